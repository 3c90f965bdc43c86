/**
 * Lua scripts that write rows under the older-over-newer rule: a row is
 * stored only when its event time is >= the stored one (ties go to the
 * incoming row), compared in µs (Lua numbers are doubles: exact below 2^53). Many rows per call, so a batch costs a few round trips and
 * little per-row overhead. Keys are passed in ARGV (KEYS[1] only routes the
 * call): in a cluster a call holds keys of one node, which Redis 7 allows
 * with `allow-cross-slot-keys`.
 */

/**
 * ARGV: field, ttl, n, key x n, packed row x n. Returns rows written. A
 * packed row's event time is the f64 at byte 2 (Lua's 1-based), in µs; a
 * version 1 row (first byte 1) holds ms.
 */
const PACKED_BODY = `
local function t_us(r)
  local t = struct.unpack('<d', r, 2)
  if string.byte(r, 1) == 1 then return t * 1000 end
  return t
end
local field = ARGV[1]
local ttl = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local written = 0
for i = 1, n do
  local key = ARGV[3 + i]
  local row = ARGV[3 + n + i]
  local old = redis.call('HGET', key, field)
  if (not old) or string.len(old) < 9 or t_us(row) >= t_us(old) then
    redis.call('HSET', key, field, row)
    if ttl > 0 then redis.call('EXPIRE', key, ttl) end
    written = written + 1
  end
end
return written
`;

/**
 * ARGV: ts field, ttl, n, m, feature field x m, then per row: key, event µs,
 * Timestamp bytes, value bytes x m. The stored `_ts:view` is a serialized
 * google.protobuf.Timestamp, decoded here (fields 1 seconds, 2 nanos) to µs.
 */
const FEAST_BODY = `
local function ts_us(b)
  local pos, secs, nanos = 1, 0, 0
  local len = string.len(b)
  while pos <= len do
    local tag = string.byte(b, pos)
    pos = pos + 1
    local v, mul = 0, 1
    repeat
      local c = string.byte(b, pos)
      pos = pos + 1
      v = v + (c % 128) * mul
      mul = mul * 128
    until c < 128 or pos > len
    if tag == 8 then secs = v elseif tag == 16 then nanos = v end
  end
  return secs * 1000000 + math.floor(nanos / 1000)
end
local tsField = ARGV[1]
local ttl = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local m = tonumber(ARGV[4])
local p = 5 + m
local written = 0
for i = 1, n do
  local key = ARGV[p]
  local old = redis.call('HGET', key, tsField)
  if (not old) or tonumber(ARGV[p + 1]) >= ts_us(old) then
    local args = { tsField, ARGV[p + 2] }
    for j = 1, m do
      args[2 * j + 1] = ARGV[4 + j]
      args[2 * j + 2] = ARGV[p + 2 + j]
    end
    redis.call('HSET', key, unpack(args))
    if ttl > 0 then redis.call('EXPIRE', key, ttl) end
    written = written + 1
  end
  p = p + 3 + m
end
return written
`;

/**
 * ARGV: per key: key, field count, fields. Returns every key's HMGET values,
 * flattened in order. One script call replaces a pipeline of HMGETs: the
 * same single round trip, but one command and one reply for the client to
 * build and parse instead of one per entity.
 */
const READ_BODY = `
local out = {}
local i = 1
local n = #ARGV
while i <= n do
  local nf = tonumber(ARGV[i + 1])
  local vals = redis.call('HMGET', ARGV[i], unpack(ARGV, i + 2, i + 1 + nf))
  for j = 1, nf do out[#out + 1] = vals[j] end
  i = i + 2 + nf
end
return out
`;

/**
 * ARGV: field, then keys. Returns each key's value of the one field (nil when
 * absent). The packed layout's read of one view: one argument per entity
 * instead of three, which is what the client spends its time building.
 */
const READ_FIELD_BODY = `
local field = ARGV[1]
local out = {}
for i = 2, #ARGV do
  out[i - 1] = redis.call('HGET', ARGV[i], field)
end
return out
`;

const CLUSTER_FLAGS = "#!lua flags=allow-cross-slot-keys\n";

export interface WriteScripts {
  packed: string;
  feast: string;
  /** The multi-key read (not a write, but flagged the same way in a cluster). */
  read: string;
  /** The multi-key read of one field per key (the packed layout's read of one view). */
  readField: string;
}

/** The write scripts for a standalone server or a cluster (which needs Redis 7's script flags). */
export function writeScripts(cluster: boolean): WriteScripts {
  return cluster
    ? {
        packed: CLUSTER_FLAGS + PACKED_BODY,
        feast: CLUSTER_FLAGS + FEAST_BODY,
        read: CLUSTER_FLAGS + READ_BODY,
        readField: CLUSTER_FLAGS + READ_FIELD_BODY,
      }
    : { packed: PACKED_BODY, feast: FEAST_BODY, read: READ_BODY, readField: READ_FIELD_BODY };
}
