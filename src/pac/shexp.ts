/**
 * shExpMatch(str, pattern): a shell expression over the whole string. `*`
 * any run of characters, `?` one character, `[abc]`, `[a-z]`, `[!x]` /
 * `[^x]` one character of (not of) a set; everything else literal, `.`
 * included. Browsers turn the pattern into a regular expression (Firefox
 * escapes only `.`, so other regex syntax leaks through); this matcher
 * does the shell subset without one, in O(length × pattern) time whatever
 * the script passes. Pure.
 */
type Token = { type: 'star' } | { type: 'one' } | { type: 'set'; test: (c: string) => boolean } | { type: 'char'; c: string };

export function shExpMatch(text: string, pattern: string): boolean {
  const tokens = tokenize(pattern);
  const chars = [...text];
  // The classic greedy matcher: remember the last `*` and retry one character further.
  let t = 0;
  let p = 0;
  let starP = -1;
  let starT = 0;
  while (t < chars.length) {
    const token = tokens[p];
    if (token && token.type !== 'star' && matchesOne(token, chars[t]!)) {
      t++;
      p++;
    } else if (token?.type === 'star') {
      starP = p++;
      starT = t;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (tokens[p]?.type === 'star') p++;
  return p === tokens.length;
}

function matchesOne(token: Token, c: string): boolean {
  switch (token.type) {
    case 'one': return true;
    case 'char': return token.c === c;
    case 'set': return token.test(c);
    default: return false;
  }
}

function tokenize(pattern: string): Token[] {
  const chars = [...pattern];
  const tokens: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '*') {
      if (tokens[tokens.length - 1]?.type !== 'star') tokens.push({ type: 'star' });
    } else if (c === '?') {
      tokens.push({ type: 'one' });
    } else if (c === '[') {
      const set = readSet(chars, i + 1);
      if (set) {
        tokens.push({ type: 'set', test: set.test });
        i = set.end;
      } else {
        tokens.push({ type: 'char', c });
      }
    } else {
      tokens.push({ type: 'char', c });
    }
  }
  return tokens;
}

/** `[...]` from just after the `[`; undefined when it never closes (then `[` is literal). */
function readSet(chars: string[], start: number): { test: (c: string) => boolean; end: number } | undefined {
  let i = start;
  const negate = chars[i] === '!' || chars[i] === '^';
  if (negate) i++;
  const ranges: [string, string][] = [];
  // A `]` right after the opening (or after `!`) is a member, as in the shell.
  for (let first = true; i < chars.length; first = false, i++) {
    const c = chars[i]!;
    if (c === ']' && !first) {
      const test = (x: string) => ranges.some(([lo, hi]) => lo <= x && x <= hi) !== negate;
      return { test, end: i };
    }
    if (chars[i + 1] === '-' && chars[i + 2] !== undefined && chars[i + 2] !== ']') {
      ranges.push([c, chars[i + 2]!]);
      i += 2;
    } else {
      ranges.push([c, c]);
    }
  }
  return undefined;
}
