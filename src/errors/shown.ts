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

/** `message` cut to `max` characters, saying how long it was (for messages built elsewhere). */
export function truncated(message: string, max = MAX_MESSAGE_CHARS): string {
  if (message.length <= max) return message;
  return `${message.slice(0, max)}… (message of ${message.length} characters cut)`;
}

/** JSON-quoted, with the bidirectional and invisible formatting characters escaped as well. */
function escaped(text: string): string {
  return JSON.stringify(text).replace(
    /[\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g,
    (c) => `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, "0")}`,
  );
}
