/**
 * Pure parser for /etc/connectrc and ~/.connectrc (connect.c's rc format; README "Environment and rc files").
 * `NAME=VALUE` per line; `#` starts a comment anywhere; blanks trimmed.
 */

/** Names connect.c 1.105 accepts in rc files, plus our additions (the last four). */
export const RC_NAMES: ReadonlySet<string> = new Set([
  'SOCKS_SERVER', 'SOCKS5_SERVER', 'SOCKS4_SERVER',
  'SOCKS_RESOLVE', 'SOCKS5_RESOLVE', 'SOCKS4_RESOLVE',
  'SOCKS5_USER', 'SOCKS5_PASSWD', 'SOCKS5_PASSWORD',
  'HTTP_PROXY', 'HTTP_PROXY_USER', 'HTTP_PROXY_PASSWORD',
  'CONNECT_USER', 'CONNECT_PASSWORD', 'SSH_ASKPASS',
  'SOCKS5_DIRECT', 'SOCKS4_DIRECT', 'SOCKS_DIRECT', 'HTTP_DIRECT', 'CONNECT_DIRECT',
  'SOCKS5_AUTH',
  'CONNECT_PROXY', 'CONNECT_KEEPALIVE', 'NO_PROXY', 'CONNECT_PAC_CACHE',
]);

interface RcResult {
  values: Map<string, string>;
  /** The line (1-based) each value was set on (the last one, when set twice). */
  lines: Map<string, number>;
  /** One line each, `path:line: problem`, ready for stderr. */
  warnings: string[];
}

const BLANKS = /^[ \t\r]+|[ \t\r]+$/g;

/** Problems shown per file: every run prints them, so a broken file of any size costs a few lines. */
export const MAX_RC_WARNINGS = 5;

export function parseRc(text: string, path: string): RcResult {
  const values = new Map<string, string>();
  const lines = new Map<string, number>();
  const warnings: string[] = [];
  let problems = 0;
  const warn = (line: string) => {
    if (++problems <= MAX_RC_WARNINGS) warnings.push(line);
  };
  text.split('\n').forEach((raw, i) => {
    const where = `${path}:${i + 1}`;
    const line = raw.replace(/#.*/, '').replace(BLANKS, '');
    if (line === '') return;
    const eq = line.indexOf('=');
    if (eq < 0) return warn(`${where}: missing equal sign`);
    const name = line.slice(0, eq).replace(BLANKS, '');
    if (!RC_NAMES.has(name)) return warn(`${where}: unknown parameter \`${JSON.stringify(name.slice(0, 64)).slice(1, -1)}'`);
    values.set(name, line.slice(eq + 1).replace(BLANKS, ''));
    lines.set(name, i + 1);
  });
  if (problems > MAX_RC_WARNINGS) warnings.push(`${path}: ${problems - MAX_RC_WARNINGS} more lines with problems not shown`);
  return { values, lines, warnings };
}
