/**
 * Character tests for what every session checks (its host, ports, user,
 * the proxy's reply): loops over UTF-16 code units instead of regular
 * expressions, because V8 compiles a regular expression at its first use,
 * a cost paid at every start (test/bench/NOTES.md). Each says which
 * expression it stands for; test/unit/chars.test.ts holds them to it.
 */

/** `/^\d+$/`: one or more ASCII digits (`\d` without the `u` flag is [0-9]). */
export function isDigits(text: string): boolean {
  if (text === '') return false;
  for (let i = 0; i < text.length; i++) if (!isDigit(text.charCodeAt(i))) return false;
  return true;
}

export function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** Whether `test` holds for some code unit of `text`. */
export function someChar(text: string, test: (code: number) => boolean): boolean {
  for (let i = 0; i < text.length; i++) if (test(text.charCodeAt(i))) return true;
  return false;
}

/** `[\x00-\x1f\x7f-\x9f]`: control characters (C0, DEL, C1: Unicode's \p{Cc}, a closed set). */
export function isControl(code: number): boolean {
  return code <= 0x1f || (code >= 0x7f && code <= 0x9f);
}

/** `\s` (ECMAScript's WhiteSpace and LineTerminator). */
export function isSpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0xa0) return false;
  return code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 ||
    code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
}

/** `[\p{Cc}\s]`: a control character or any white space. */
export function isControlOrSpace(code: number): boolean {
  return isControl(code) || isSpace(code);
}

/** `.`: anything but a line terminator (\n, \r, U+2028, U+2029). */
export function isLineTerminator(code: number): boolean {
  return code === 0x0a || code === 0x0d || code === 0x2028 || code === 0x2029;
}
