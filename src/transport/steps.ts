/**
 * The steps a handshake reads, apart from any I/O: how many bytes the next
 * read may take without passing the step's end, and what the step makes of
 * the bytes it is given. Each byte is copied once and scanned once (plus a
 * delimiter's length at each chunk boundary), so a proxy dripping its reply
 * one byte at a time costs linear work.
 */

export interface Step {
  /** Bytes the next read may take without passing this step's end; 0 once complete. */
  room(): number;
  /** Takes bytes from `chunk`; returns how many it took (fewer once complete). May throw. */
  accept(chunk: Buffer): number;
  /** The step's bytes once complete. */
  result(): Buffer | undefined;
}

/** Exactly `n` bytes. */
export function fixedStep(n: number): Step {
  const bytes = Buffer.allocUnsafe(n);
  let got = 0;
  return {
    room: () => n - got,
    accept(chunk) {
      const take = Math.min(n - got, chunk.length);
      chunk.copy(bytes, got, 0, take);
      got += take;
      return take;
    },
    result: () => (got === n ? bytes : undefined),
  };
}

const FIRST_CAPACITY = 256;

/**
 * Bytes up to and including the earliest-ending match of any of the
 * `delimiters`, at most `limit` of them (`tooLong()` is thrown past that).
 * Its room is the least any delimiter still needs: for "\r\n\r\n", 4
 * after ordinary bytes, 1 after "\r\n\r"; for "\n\n" or "\n\r\n", 1 after "\n".
 */
export function delimitedStep(delimiters: readonly Buffer[], limit: number, tooLong: () => Error): Step {
  let bytes = Buffer.allocUnsafe(Math.min(limit, FIRST_CAPACITY));
  let got = 0;
  let end = -1;
  const grow = (need: number) => {
    if (need <= bytes.length) return;
    const bigger = Buffer.allocUnsafe(Math.min(limit, Math.max(need, bytes.length * 2)));
    bytes.copy(bigger, 0, 0, got);
    bytes = bigger;
  };
  return {
    room: () => {
      if (end >= 0) return 0;
      let room = limit - got;
      for (const d of delimiters) room = Math.min(room, d.length - partialMatch(bytes, got, d));
      return room;
    },
    accept(chunk) {
      if (end >= 0) return 0;
      const take = Math.min(chunk.length, limit - got);
      const through = earliestEnd(bytes, got, chunk.subarray(0, take), delimiters);
      const used = through >= 0 ? through : take;
      grow(got + used);
      chunk.copy(bytes, got, 0, used);
      got += used;
      if (through >= 0) end = got;
      else if (got >= limit) throw tooLong();
      return used;
    },
    result: () => (end >= 0 ? bytes.subarray(0, end) : undefined),
  };
}

/** The least delimiterEnd() over `delimiters`; -1 when none ends in `chunk`. */
function earliestEnd(bytes: Buffer, got: number, chunk: Buffer, delimiters: readonly Buffer[]): number {
  let best = -1;
  for (const d of delimiters) {
    const end = delimiterEnd(bytes, got, best < 0 ? chunk : chunk.subarray(0, best), d);
    if (end >= 0 && (best < 0 || end < best)) best = end;
  }
  return best;
}

/**
 * How many bytes of `chunk` complete the first delimiter that ends in it
 * (one that began in the `got` bytes already held, or lies within it); -1
 * when none does. Scans the chunk only up to that delimiter.
 */
function delimiterEnd(bytes: Buffer, got: number, chunk: Buffer, delimiter: Buffer): number {
  for (let k = Math.min(delimiter.length - 1, got); k > 0; k--) {
    const rest = delimiter.length - k;
    if (rest > chunk.length) continue;
    if (bytes.compare(delimiter, 0, k, got - k, got) === 0 && chunk.compare(delimiter, k, delimiter.length, 0, rest) === 0) return rest;
  }
  const at = chunk.indexOf(delimiter);
  return at >= 0 ? at + delimiter.length : -1;
}

/** The longest k < delimiter.length such that the first `got` bytes end with delimiter's first k bytes. */
function partialMatch(bytes: Buffer, got: number, delimiter: Buffer): number {
  for (let k = Math.min(delimiter.length - 1, got); k > 0; k--) {
    if (bytes.compare(delimiter, 0, k, got - k, got) === 0) return k;
  }
  return 0;
}
