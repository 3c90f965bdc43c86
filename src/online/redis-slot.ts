/**
 * Redis Cluster's key -> slot mapping (CRC16/XMODEM of the key, or of its
 * `{hash tag}`, mod 16384), so reads and writes can be grouped per node and
 * sent as one pipeline per node.
 */

const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let crc = i << 8;
  for (let j = 0; j < 8; j++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  TABLE[i] = crc;
}

function crc16(b: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++)
    crc = ((crc << 8) & 0xffff) ^ (TABLE[((crc >> 8) ^ (b[i] as number)) & 0xff] as number);
  return crc;
}

/** The cluster slot (0..16383) of a key. */
export function redisSlot(key: Uint8Array): number {
  const open = key.indexOf(0x7b); // "{"
  if (open >= 0) {
    const close = key.indexOf(0x7d, open + 1); // "}"
    if (close > open + 1) return crc16(key, open + 1, close) & 16383;
  }
  return crc16(key, 0, key.length) & 16383;
}
