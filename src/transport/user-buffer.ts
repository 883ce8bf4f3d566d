/**
 * node:net reads into a caller's buffer when a socket is created with
 * `onread`; useUserBuffer() switches an already open TCP or pipe socket to
 * that mode, setting the same fields the constructor sets. After each read
 * node:net calls `onRead(nread, buffer)` (false: stop reading) and then
 * `next()`, whose buffer (when it returns one) receives the following read;
 * `resume()` does not ask again, so the first read after it goes into the
 * buffer `next()` gave last. Used by the handshake reader (exact reads) and
 * the relay (one reused buffer per direction).
 */
import { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';

export type OnRead = (nread: number, buffer: Buffer) => boolean;

interface Slots {
  buffer: symbol;
  callback: symbol;
  generator: symbol;
}

type Handle = { useUserBuffer?: (buf: Uint8Array) => void; fd?: number; constructor?: { name?: string } };

interface SocketFields {
  _handle?: Handle | null;
  encrypted?: boolean;
  destroyed?: boolean;
  [slot: symbol]: unknown;
}

let slots: Slots | undefined;

/** The libuv handle of a plain (not TLS) TCP or pipe socket; undefined for any other stream. */
export function plainHandle(stream: Readable | Writable): Handle | undefined {
  const socket = stream as unknown as SocketFields;
  const handle = socket._handle;
  if (!handle || socket.encrypted || socket.destroyed) return undefined;
  const kind = handle.constructor?.name;
  return kind === 'TCP' || kind === 'Pipe' ? handle : undefined;
}

/** Whether `stream` is a socket this Node can read into caller buffers. */
export function canUseUserBuffer(stream: Readable | Writable): boolean {
  const handle = plainHandle(stream);
  return !!handle && typeof handle.useUserBuffer === 'function' && !!findSlots(stream as unknown as SocketFields);
}

/** Switches `stream` to reading into `buffer` (then into what `next` returns); false when it cannot be. */
export function useUserBuffer(stream: Readable, buffer: Buffer, onRead: OnRead, next: (() => Buffer) | null = null): boolean {
  const socket = stream as unknown as SocketFields;
  const handle = plainHandle(stream);
  const found = findSlots(socket);
  if (!handle || typeof handle.useUserBuffer !== 'function' || !found) return false;
  socket[found.buffer] = buffer;
  socket[found.callback] = onRead;
  socket[found.generator] = next;
  handle.useUserBuffer(buffer);
  return true;
}

function findSlots(socket: SocketFields): Slots | undefined {
  if (slots) return slots;
  const bySymbol = new Map(Object.getOwnPropertySymbols(socket).map((s) => [s.description, s]));
  const buffer = bySymbol.get('kBuffer');
  const callback = bySymbol.get('kBufferCb');
  const generator = bySymbol.get('kBufferGen');
  if (buffer && callback && generator) slots = { buffer, callback, generator };
  return slots;
}

/** Whether this Node's sockets have the fields useUserBuffer() sets. */
export function userBufferSupported(): boolean {
  return findSlots(new Socket() as unknown as SocketFields) !== undefined;
}
