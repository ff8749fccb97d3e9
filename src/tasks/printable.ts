/**
 * Text from a file, made safe to print: control characters (C0, DEL, C1) and the Unicode
 * direction overrides are written as escapes, so a pair id holding an ANSI sequence cannot clear
 * a terminal or fake a line of output, and a right-to-left override cannot reorder what a reader
 * sees. Newlines are escaped too: one message stays one line.
 *   printable('a\u001b[2Jb')  ->  'a\\x1b[2Jb'
 */
// eslint-disable-next-line no-control-regex -- control characters are what this matches
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function printable(s: string): string {
  return s.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
