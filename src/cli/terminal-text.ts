/**
 * Text from a server (an answer, an error message, an id) is data, not terminal commands. On a
 * terminal, control characters and escape sequences in it would move the cursor, erase lines or
 * recolour what the user reads — a crafted message could print "OK" over a failure. So every line the
 * CLI writes to a terminal goes through `terminalSafe`, which shows each such character as a visible
 * escape (`\x1b`, `\r`, `\u202e`). Piped or redirected output is written raw, so files stay exact.
 */

/**
 * C0 controls but tab and newline, DEL, C1 controls (`\x9b` is a one-byte CSI), and the Unicode
 * bidirectional embeddings, overrides and isolates that reorder what is displayed.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\r': '\\r', '\b': '\\b', '\f': '\\f', '\v': '\\v' };

function visible(char: string): string {
  const code = char.charCodeAt(0);
  return (
    NAMED[char] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`)
  );
}

/** `text` with every control character, escape sequence introducer and bidi override made visible. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, visible);
}

/** Where the CLI writes: a stream that may be a terminal. */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * Writes `text` to `stream`: neutralised on a terminal, raw otherwise.
 * @param stream `process.stdout` or `process.stderr`
 */
export function writeText(stream: OutputStream, text: string): void {
  stream.write(stream.isTTY ? terminalSafe(text) : text);
}

/**
 * JSON for output: `JSON.stringify` leaves DEL, C1 controls and bidi overrides raw; these become
 * `\u` escapes too, which any JSON reader decodes to the same string.
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
