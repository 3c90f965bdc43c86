/**
 * Bounded echoes of client input. An error or a log line that quotes what a
 * client sent shows its start and its length, never all of it: a 20 MiB
 * name must not come back as a 20 MiB status (which some clients refuse,
 * failing every other call on the channel) or a 63 MB log line.
 */

/** Longest text a status message or log field carries; longer ones are cut (start + length). */
export const MAX_MESSAGE_CHARS = 1024;

/**
 * `text` quoted (JSON string syntax, so control and bidirectional characters
 * are visible escapes); when longer than `max` characters, its first `max`
 * and its length: `"abcd…" (20971520 characters)`.
 */
export function shown(text: string, max = 64): string {
  if (text.length <= max) return escaped(text);
  return `${escaped(text.slice(0, max))}… (${text.length} characters)`;
}

/** A word longer than this in a message is almost surely echoed input: shown as start + length. */
const LONG_WORD_CHARS = 256;

/**
 * `message` bounded for a status or a log line (for messages built
 * elsewhere, e.g. by a driver): every run of more than 256 non-space
 * characters (an echoed name or value) becomes its first 64 and its length,
 * and the whole is cut to `max` characters, saying how long it was.
 */
export function truncated(message: string, max = MAX_MESSAGE_CHARS): string {
  if (message.length <= 256) return message;
  const words = shortenLongWords(message);
  if (words.length <= max) return words;
  return `${words.slice(0, max)}… (message of ${message.length} characters cut)`;
}

/** JSON-quoted, with the bidirectional and invisible formatting characters escaped as well. */
function escaped(text: string): string {
  return JSON.stringify(text).replace(
    /[\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g,
    (c) => `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, "0")}`,
  );
}

/** Replaces every run of more than LONG_WORD_CHARS non-space characters (a linear scan: V8's regex overflows its stack on a 20 MiB run). */
function shortenLongWords(message: string): string {
  const parts: string[] = [];
  let from = 0;
  let wordStart = 0;
  for (let i = 0; i <= message.length; i++) {
    const c = i < message.length ? message.charCodeAt(i) : 32;
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) continue;
    if (i - wordStart > LONG_WORD_CHARS) {
      parts.push(message.slice(from, wordStart), shortWord(message.slice(wordStart, i)));
      from = i;
    }
    wordStart = i + 1;
  }
  if (from === 0) return message;
  parts.push(message.slice(from));
  return parts.join("");
}

/** A long word as its start and length; quotes around it stay around it and are not counted. */
function shortWord(word: string): string {
  const open = /^["'`(]/.test(word) ? word.charAt(0) : "";
  let end = word.length;
  while (end > open.length && `"'\`),.;:`.includes(word.charAt(end - 1))) end--;
  const close = word.slice(end);
  const inner = word.slice(open.length, word.length - close.length);
  return `${open}${inner.slice(0, 64)}…${close} (${inner.length} characters)`;
}
