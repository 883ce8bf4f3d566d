/**
 * Telnet-proxy dialogue, pure: the request line from the -c template, and
 * what each reply line means. Matches connect.c 1.105 (expand_host_and_port,
 * begin_telnet_relay).
 */
import { ConnectError } from '../errors.js';
import { hostProblem } from '../address.js';

const DEFAULT_COMMAND = 'telnet %h %p';
/** connect.c reads lines into 1 KiB; we allow longer lines but bound them. */
export const MAX_LINE_BYTES = 8 * 1024;
/** Everything read before the tunnel starts. */
export const MAX_TOTAL_BYTES = 64 * 1024;

/**
 * Expands the template as connect.c does: `%h` host, `%p` port, `\r` `\n`
 * `\t` control characters. Any other `%` or `\` is dropped and the character
 * after it is read normally, so `%%h` is the host, `\\n` a line feed, and a
 * trailing `%` or `\` disappears.
 */
export function expandCommand(template: string, host: string, port: number): string {
  const escapes: Record<string, string> = { r: '\r', n: '\n', t: '\t' };
  const subst: Record<string, string> = { h: host, p: String(port) };
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    const next = template[i + 1] ?? '';
    const table = c === '%' ? subst : c === '\\' ? escapes : undefined;
    if (!table) out += c;
    else if (next in table) { out += table[next]; i++; }
  }
  return out;
}

/** The bytes sent: the expanded command and CRLF (connect.c: "%s\r\n"). */
export function request(template: string | undefined, host: string, port: number): string {
  const problem = hostProblem(host);
  if (problem) throw new ConnectError('BAD_INPUT', `target host ${JSON.stringify(host)} ${problem}`);
  return `${expandCommand(template ?? DEFAULT_COMMAND, host, port)}\r\n`;
}

const GOOD_PHRASE = 'connected to';
const BAD_PHRASES = [' failed', ' refused', ' rejected', ' closed'] as const;

export type Verdict = 'connected' | 'failed' | 'more';

/** connect.c: case-insensitive; the good phrase is checked before the bad ones. */
export function classifyLine(line: string): Verdict {
  const lower = line.toLowerCase();
  if (lower.includes(GOOD_PHRASE)) return 'connected';
  return BAD_PHRASES.some((p) => lower.includes(p)) ? 'failed' : 'more';
}
