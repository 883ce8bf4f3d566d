/**
 * One HTTP CONNECT request and its response on a connected stream: the
 * request written, interim (1xx) heads skipped, the final head parsed and,
 * for a multi-round scheme, the body read and thrown away so the
 * connection can carry the next request (RFC 9112 §6.3, §7.1).
 */
import type { Duplex } from 'node:stream';
import { ConnectError } from '../errors.js';
import { logger } from '../log.js';
import { HandshakeReader } from '../transport/reader.js';
import * as wire from './http-wire.js';

const log = logger('http');
/** A 407 body is a small page; more than this is not a proxy worth waiting for. */
const MAX_BODY_BYTES = 1 << 20;
const PIECE = 16 * 1024;

export interface RequestOptions {
  authorization?: string;
  keepAlive?: boolean;
}

export interface Response {
  head: wire.ResponseHead;
  /** Still attached: release() it (tunnel) or detach() it (giving up). */
  reader: HandshakeReader;
}

/** Sends one request on `stream` (through `reader` when one is attached already) and reads the final response head. */
export async function exchange(stream: Duplex, target: string, peer: string, opts: RequestOptions = {}, reader?: HandshakeReader): Promise<Response> {
  const r = reader ?? new HandshakeReader(stream, peer, wire.MAX_HEADER_BYTES);
  try {
    if (log.enabled) for (const line of lines(wire.connectRequestRedacted(target, opts.authorization, opts.keepAlive))) log('>>> %s', JSON.stringify(line));
    stream.write(wire.connectRequest(target, opts.authorization, opts.keepAlive), 'utf8');
    return { head: await readFinalHead(r, peer), reader: r };
  } catch (err) {
    r.detach();
    throw err;
  }
}

/** The final response head, interim (1xx) ones skipped; all of them together within MAX_HEADER_BYTES. */
async function readFinalHead(reader: HandshakeReader, peer: string): Promise<wire.ResponseHead> {
  for (let budget = wire.MAX_HEADER_BYTES; ;) {
    const raw = await reader.readUntil(wire.HEAD_END, budget, 'an HTTP response head');
    budget -= raw.length;
    if (log.enabled) for (const line of lines(raw.toString('latin1'))) log('<<< %s', JSON.stringify(line));
    const head = wire.parseResponseHead(raw, peer);
    if (!wire.isInterim(head.status)) return head;
    log('interim response %d skipped', head.status);
  }
}

/**
 * Reads the body of `head` off the stream and drops it. True when the
 * connection can take another request; false when the body runs to the
 * close or the proxy says it will close.
 */
export async function discardBody(reader: HandshakeReader, head: wire.ResponseHead, peer: string): Promise<boolean> {
  const framing = wire.bodyFraming(head, peer);
  if (framing.kind === 'close') return false;
  const size = framing.kind === 'length' ? await skip(reader, framing.bytes, peer) : await skipChunked(reader, peer);
  log('response body of %d bytes discarded', size);
  return wire.keepsAlive(head);
}

async function skip(reader: HandshakeReader, bytes: number, peer: string): Promise<number> {
  if (bytes > MAX_BODY_BYTES) throw tooLong(peer, bytes);
  for (let left = bytes; left > 0; left -= PIECE) await reader.read(Math.min(left, PIECE));
  return bytes;
}

/** RFC 9112 §7.1: chunks until the last (size 0), then trailer lines until an empty one. */
async function skipChunked(reader: HandshakeReader, peer: string): Promise<number> {
  let total = 0;
  for (;;) {
    const size = wire.parseChunkSize((await reader.readUntil('\n', 1024, 'a chunk size line')).toString('latin1'), peer);
    if (size === 0) break;
    total += size;
    if (total > MAX_BODY_BYTES) throw tooLong(peer, total);
    await skip(reader, size, peer);
    await reader.readUntil('\n', 2, 'the end of a chunk');
  }
  for (let budget = wire.MAX_HEADER_BYTES; ;) {
    const line = await reader.readUntil('\n', budget, 'the trailer fields');
    budget -= line.length;
    if (line.length <= 2 && line.toString('latin1').trim() === '') return total;
  }
}

function tooLong(peer: string, bytes: number): ConnectError {
  return new ConnectError('PROXY_PROTOCOL', `${peer} sent a response body of ${bytes}+ bytes (more than ${MAX_BODY_BYTES})`);
}

export function connected({ reader }: Response, target: string): Duplex {
  log('connected to %s', target);
  return reader.release();
}

/** The challenges of a 401/407; any other refusal is an error naming its status line. */
export function challengesOf(head: wire.ResponseHead, peer: string, target: string): wire.Challenge[] {
  if (head.status !== 401 && head.status !== 407) {
    throw new ConnectError('PROXY_REFUSED', `${peer} refused CONNECT ${target}: ${JSON.stringify(head.statusLine)}`);
  }
  return wire.parseChallenges(wire.fieldValues(head, wire.challengeField(head.status)));
}

export function isSuccess(head: wire.ResponseHead): boolean {
  return head.status >= 200 && head.status < 300;
}

function lines(text: string): string[] {
  return text.split(/(?<=\n)/).filter((l) => l !== '');
}
