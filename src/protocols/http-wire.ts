/**
 * HTTP CONNECT wire format, pure (RFC 9110 §9.3.6 CONNECT, RFC 9112 §4
 * status line and §5 fields, RFC 9110 §11 authentication, RFC 7617 Basic).
 */
import { isDigit, isSpace } from '../chars.js';
import { ConnectError } from '../errors.js';
import { redactAuth } from '../log.js';
import type { Endpoint } from '../config/types.js';
import { formatEndpoint, hostProblem } from '../address.js';

/** Whole response head (status line + fields + blank line) we accept; interim heads count too. */
export const MAX_HEADER_BYTES = 64 * 1024;

/**
 * The blank line ending a head. RFC 9112 §2.2: a recipient may take a bare
 * LF as a line terminator (ignoring a preceding CR), so `\n\n` and `\n\r\n`
 * both end it (`\r\n\r\n` contains the latter).
 */
export const HEAD_END: readonly string[] = ['\n\n', '\n\r\n'];

/** RFC 9110 §15.2: a 1xx is interim; the final response follows on the same connection. */
export function isInterim(status: number): boolean {
  return status >= 100 && status < 200;
}

/**
 * RFC 9110 §9.3.6: the request-target is authority-form `host:port`
 * (IPv6 literal in brackets). Rejects what would inject request lines.
 */
export function requestTarget(target: Endpoint): string {
  const problem = hostProblem(target.host);
  if (problem) throw new ConnectError('BAD_INPUT', `target host ${JSON.stringify(target.host)} ${problem}`);
  return formatEndpoint(target);
}

/**
 * The request head. connect.c sends `CONNECT t HTTP/1.0`, an optional
 * Proxy-Authorization line and an empty line; we add `Host` (RFC 9112 §3.2).
 * `keepAlive` (multi-round schemes only, so connect.c's bytes stay as they
 * are otherwise): an HTTP/1.0 request asks to keep the connection (RFC 9112
 * Appendix C.2.2; squid answers an HTTP/1.0 request without it with close).
 */
export function connectRequest(target: string, authorization?: string, keepAlive = false): string {
  const lines = [`CONNECT ${target} HTTP/1.0`, `Host: ${target}`];
  if (authorization !== undefined) lines.push(`Proxy-Authorization: ${authorization}`);
  if (keepAlive) lines.push('Proxy-Connection: keep-alive', 'Connection: keep-alive');
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** The request as it may be logged: credentials replaced by `xxxx`. */
export function connectRequestRedacted(target: string, authorization?: string, keepAlive = false): string {
  return connectRequest(target, authorization === undefined ? undefined : redactAuth(authorization), keepAlive);
}

/** RFC 7617 §2: `Basic base64(user ":" password)`, UTF-8. */
export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

export interface ResponseHead {
  statusLine: string;
  status: number;
  /** Field names lower-case, values trimmed, in order (repeats kept). */
  fields: Array<[string, string]>;
}

/**
 * Parses a response head (through the blank line). Like connect.c, the
 * code is the number after the first space; no number → PROXY_PROTOCOL.
 */
export function parseResponseHead(head: Buffer, peer: string): ResponseHead {
  const lines = head.toString('latin1').split('\n').map(withoutCR); // split(/\r?\n/)
  const statusLine = clip(lines[0] ?? '');
  const status = statusCode(statusLine);
  if (status === undefined) throw new ConnectError('PROXY_PROTOCOL', `${peer} sent no HTTP status code: ${JSON.stringify(statusLine)}`);
  const fields: Array<[string, string]> = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return { statusLine, status, fields };
}

function withoutCR(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/**
 * `/^\S*[ \t]+(\d{1,3})(?!\d)/`: after the first word and its blanks, a
 * number of one to three digits (four or more is none).
 */
function statusCode(line: string): number | undefined {
  let i = 0;
  while (i < line.length && !isSpace(line.charCodeAt(i))) i++;
  const blanks = i;
  while (line[i] === ' ' || line[i] === '\t') i++;
  if (i === blanks) return undefined;
  const digits = i;
  while (i < line.length && isDigit(line.charCodeAt(i))) i++;
  return i > digits && i - digits <= 3 ? Number(line.slice(digits, i)) : undefined;
}

/** A status line as messages quote it: a hostile one can be 64 KiB. */
function clip(line: string, max = 160): string {
  return line.length <= max ? line : `${line.slice(0, max)}...`;
}

export function fieldValues(head: ResponseHead, name: string): string[] {
  return head.fields.filter(([n]) => n === name).map(([, v]) => v);
}

/** How a response body ends (RFC 9112 §6.3): none, a length, chunked, or the connection's close. */
export type BodyFraming = { kind: 'length'; bytes: number } | { kind: 'chunked' } | { kind: 'close' };

export function bodyFraming(head: ResponseHead, peer: string): BodyFraming {
  const codings = fieldValues(head, 'transfer-encoding').flatMap((v) => v.split(',')).map((c) => c.trim().toLowerCase()).filter((c) => c !== '');
  if (codings.length > 0) return codings[codings.length - 1] === 'chunked' ? { kind: 'chunked' } : { kind: 'close' };
  const lengths = new Set(fieldValues(head, 'content-length').flatMap((v) => v.split(',')).map((v) => v.trim()));
  if (lengths.size === 0) return head.status === 204 || head.status === 304 ? { kind: 'length', bytes: 0 } : { kind: 'close' };
  const [only] = lengths;
  if (lengths.size > 1 || !/^\d{1,15}$/.test(only!)) {
    throw new ConnectError('PROXY_PROTOCOL', `${peer} sent an invalid Content-Length: ${JSON.stringify(clip([...lengths].join(', ')))}`);
  }
  return { kind: 'length', bytes: Number(only) };
}

/** RFC 9112 §9.3: whether the proxy keeps the connection open after this response. */
export function keepsAlive(head: ResponseHead): boolean {
  const tokens = [...fieldValues(head, 'connection'), ...fieldValues(head, 'proxy-connection')]
    .flatMap((v) => v.split(',')).map((t) => t.trim().toLowerCase());
  if (tokens.includes('close')) return false;
  const version = /^HTTP\/(\d)\.(\d)/i.exec(head.statusLine);
  const atLeast11 = version !== null && (Number(version[1]) > 1 || Number(version[2]) >= 1);
  return atLeast11 || tokens.includes('keep-alive');
}

/** RFC 9112 §7.1: a chunk-size line (`1a3;ext=x\r\n`) → the size; extensions ignored. */
export function parseChunkSize(line: string, peer: string): number {
  const m = /^([0-9A-Fa-f]{1,12})[ \t]*(?:;[^]*)?\r?\n$/.exec(line);
  if (!m) throw new ConnectError('PROXY_PROTOCOL', `${peer} sent an invalid chunk size line: ${JSON.stringify(clip(line))}`);
  return parseInt(m[1]!, 16);
}

/** The base64 token of the first `scheme` challenge that carries one (NTLM, Negotiate), decoded. */
export function challengeToken(challenges: readonly Challenge[], scheme: string): Buffer | undefined {
  const token = challenges.find((c) => c.scheme === scheme && c.token68 !== undefined)?.token68;
  return token === undefined ? undefined : Buffer.from(token, 'base64');
}

/** 407 asks with Proxy-Authenticate; a 401 (sent by some proxies) with WWW-Authenticate. */
export function challengeField(status: number): string {
  return status === 401 ? 'www-authenticate' : 'proxy-authenticate';
}

/** RFC 9110 §11.2: one challenge. Scheme lower-case; param names lower-case; values unquoted. */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
  /** The token68 form (`Negotiate abc==`), when used instead of params. */
  token68?: string;
}

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const SCHEME_START = new RegExp(`^(${TOKEN})(?:[ \\t]+([^]*))?$`);
const PARAM = new RegExp(`^(${TOKEN})[ \\t]*=[ \\t]*([^]*)$`);
/** §11.2: token68 (`abc==`) is checked first: as a param it would read as `abc` = `=`. */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * RFC 9110 §11.2-§11.6.1: every challenge in every field value, in order.
 * `Basic realm="a", Digest realm="b", nonce="c"` is two challenges.
 */
export function parseChallenges(values: readonly string[]): Challenge[] {
  const out: Challenge[] = [];
  for (const value of values) {
    for (const part of splitOutsideQuotes(value)) {
      const current = out[out.length - 1];
      if (current && PARAM.test(part) && !current.token68) addParam(current, part);
      else startChallenge(out, part);
    }
  }
  return out;
}

function startChallenge(out: Challenge[], part: string): void {
  const m = SCHEME_START.exec(part);
  if (!m) return; // not a challenge: ignore, as RFC 9110 §5.5 lets recipients do
  const challenge: Challenge = { scheme: m[1]!.toLowerCase(), params: {} };
  const rest = m[2]?.trim() ?? '';
  if (TOKEN68.test(rest)) challenge.token68 = rest;
  else if (PARAM.test(rest)) addParam(challenge, rest);
  out.push(challenge);
}

function addParam(challenge: Challenge, part: string): void {
  const m = PARAM.exec(part)!;
  challenge.params[m[1]!.toLowerCase()] = unquote(m[2]!.trim());
}

function unquote(value: string): string {
  if (value.length < 2 || !value.startsWith('"') || !value.endsWith('"')) return value;
  return value.slice(1, -1).replace(/\\(.)/g, '$1');
}

/** Comma-separated list members (RFC 9110 §5.6.1), commas inside quoted strings kept. */
export function splitOutsideQuotes(value: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (quoted && c === '\\' && i + 1 < value.length) current += c + value[++i]!;
    else if (c === '"') { quoted = !quoted; current += c; }
    else if (c === ',' && !quoted) { parts.push(current); current = ''; }
    else current += c;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}
