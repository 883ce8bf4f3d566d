/**
 * Ready-made byte scripts (script.ts) for each protocol: the proxy's exact
 * replies, with the bound address and port connect.c's side-by-side tests
 * expect, and the failure switches the tests need.
 */
import { perConnection, type Script, type Step } from './script.js';

export interface Tail { banner?: Buffer | string; echo?: boolean; hang?: boolean }

/** Reply + banner in ONE write, then echo / hang / (default) mirror the client's FIN. */
function replyThen(reply: Buffer, t: Tail, fail: boolean): Step[] {
  const send: Step = { send: t.banner === undefined ? reply : Buffer.concat([reply, Buffer.from(t.banner)]) };
  if (fail) return [send, { close: true }];
  return [send, ...(t.echo ? [{ echo: true } as Step] : []), ...(t.hang ? [{ hang: true } as Step] : [])];
}

/** SOCKS5 frames, exported for custom scripts. */
export const socks5Frames = {
  greeting: (b: Buffer) => (b.length < 2 ? undefined : 2 + b[1]!),
  auth: (b: Buffer) => (b.length < 2 || b.length < 3 + b[1]! ? undefined : 3 + b[1]! + b[2 + b[1]!]!),
  request: (b: Buffer) => {
    if (b.length < 5) return undefined;
    const atyp = b[3];
    return 4 + (atyp === 3 ? 1 + b[4]! : atyp === 4 ? 16 : 4) + 2;
  },
};

export interface Socks5ScriptOptions extends Tail {
  method: number; // 0 none, 2 userpass, 0xff no acceptable
  authStatus?: number; // reply to RFC 1929 auth (default 0 = ok)
  rep?: number; // reply code (default 0 = succeeded)
  atyp?: 1 | 3 | 4; // bound address type in the reply (default 1)
}

export function socks5Script(o: Socks5ScriptOptions): Step[] {
  const steps: Step[] = [{ expect: socks5Frames.greeting }, { send: Buffer.from([5, o.method]) }];
  if (o.method !== 0 && o.method !== 2) return [...steps, { close: true }];
  if (o.method === 2) {
    const status = o.authStatus ?? 0;
    steps.push({ expect: socks5Frames.auth }, { send: Buffer.from([1, status]) });
    if (status !== 0) return [...steps, { close: true }];
  }
  const rep = o.rep ?? 0;
  const reply = Buffer.concat([Buffer.from([5, rep, 0, o.atyp ?? 1]), boundAddr(o.atyp ?? 1), Buffer.from([0x12, 0x34])]);
  return [...steps, { expect: socks5Frames.request }, ...replyThen(reply, o, rep !== 0)];
}

function boundAddr(atyp: number): Buffer {
  if (atyp === 3) return Buffer.concat([Buffer.from([9]), Buffer.from('localhost')]);
  if (atyp === 4) return Buffer.from([...Array(15).fill(0), 1]);
  return Buffer.from([127, 0, 0, 1]);
}

/** SOCKS4 request, or 4a when the address is 0.0.0.x (x != 0): userid NUL [host NUL]. */
function socks4Frame(b: Buffer): number | undefined {
  const nul = b.length > 8 ? b.indexOf(0, 8) : -1;
  if (nul < 0) return undefined;
  const is4a = b[4] === 0 && b[5] === 0 && b[6] === 0 && b[7] !== 0;
  if (!is4a) return nul + 1;
  const nul2 = b.indexOf(0, nul + 1);
  return nul2 < 0 ? undefined : nul2 + 1;
}

export function socks4Script(o: Tail & { code?: number }): Step[] {
  const code = o.code ?? 90;
  const reply = Buffer.from([0, code, 0x12, 0x34, 127, 0, 0, 1]);
  return [{ expect: socks4Frame }, ...replyThen(reply, o, code !== 90)];
}

export interface HttpScriptOptions extends Tail {
  status: number;
  reason?: string;
  /** Default for 407: Proxy-Authenticate: Basic realm="fake". */
  headers?: Record<string, string> | Array<[string, string]>;
  body?: string;
  version?: string; // default HTTP/1.0
}

export function httpScript(o: HttpScriptOptions): Step[] {
  const hdrs = o.headers ?? (o.status === 407 ? { 'Proxy-Authenticate': 'Basic realm="fake"' } : {});
  const lines = (Array.isArray(hdrs) ? hdrs : Object.entries(hdrs)).map(([k, v]) => `${k}: ${v}\r\n`);
  const head = `${o.version ?? 'HTTP/1.0'} ${o.status} ${o.reason ?? reasonOf(o.status)}\r\n${lines.join('')}\r\n`;
  const ok = o.status >= 200 && o.status < 300;
  return [{ until: '\r\n\r\n' }, ...replyThen(Buffer.from(head + (o.body ?? '')), o, !ok)];
}

function reasonOf(status: number): string {
  const r: Record<number, string> = { 200: 'Connection established', 401: 'Unauthorized', 403: 'Forbidden', 407: 'Proxy Authentication Required', 502: 'Bad Gateway' };
  return r[status] ?? 'Status';
}

/** 407 Basic on the first connection, then `ok` (default 200) on the reconnect. */
export function httpAuthScript(o: Tail & { realm?: string; okStatus?: number } = {}): Script {
  const challenge = { 'Proxy-Authenticate': `Basic realm="${o.realm ?? 'fake'}"` };
  return perConnection(httpScript({ status: 407, headers: challenge }), httpScript({ ...o, status: o.okStatus ?? 200 }));
}

/** Telnet proxy: optional prompt, read the command line, answer `line` (+CRLF) and the banner in one write. */
export function telnetScript(o: Tail & { line: string; prompt?: string }): Step[] {
  const fail = /( failed| refused| rejected| closed)/i.test(o.line) && !/connected to/i.test(o.line);
  const pre: Step[] = o.prompt === undefined ? [] : [{ send: o.prompt }];
  return [...pre, { line: true }, ...replyThen(Buffer.from(`${o.line}\r\n`), o, fail)];
}

