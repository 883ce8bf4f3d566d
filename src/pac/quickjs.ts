/**
 * A minimal FFI over QuickJS in WebAssembly: the `QTS_*` C interface of
 * quickjs-emscripten, as the `@jitl/quickjs-wasmfile-release-sync` variant
 * compiles it, called straight through the module's exports, with an import
 * object of our own instead of the Emscripten glue and quickjs-emscripten-core
 * (their JavaScript was the largest single cost of a PAC session:
 * test/bench/NOTES.md). Only what the sandbox needs: a runtime with limits
 * and an interrupt handler, a context, eval, host functions, strings.
 *
 * Emscripten minifies the names of imports and exports; the tables below
 * are those of the pinned variant's glue (emscripten-module.cjs), and
 * test/unit/pac-quickjs.test.ts checks them against it and against the
 * .wasm file's own import list, so a new variant version fails the tests
 * instead of misbehaving.
 *
 * Pointers are numbers into the module's linear memory; every JSValue* the
 * C side returns is malloc'd and must be freed (freeValue), every C string
 * from getString freed with freeCString. Nothing here catches: a trap or a
 * host exception leaves QuickJS mid-call, and the caller must not use the
 * instance again.
 */

/** Export name in the .wasm → the C function it is (see the glue's `c._QTS_… = b.…`). */
export const QUICKJS_EXPORTS = {
  __wasm_call_ctors: 'u',
  malloc: 'v',
  free: 'M',
  QTS_Throw: 'w',
  QTS_NewError: 'x',
  QTS_RuntimeSetMemoryLimit: 'y',
  QTS_RuntimeSetMaxStackSize: 'D',
  QTS_GetUndefined: 'E',
  QTS_GetNull: 'F',
  QTS_GetFalse: 'G',
  QTS_GetTrue: 'H',
  QTS_NewRuntime: 'K',
  QTS_FreeRuntime: 'L',
  QTS_NewContext: 'N',
  QTS_FreeContext: 'O',
  QTS_FreeValuePointer: 'P',
  QTS_FreeCString: 'S',
  QTS_DupValuePointer: 'T',
  QTS_NewFloat64: 'Y',
  QTS_NewString: '_',
  QTS_GetString: '$',
  QTS_GetProp: 'ha',
  QTS_SetProp: 'ja',
  QTS_Call: 'ma',
  QTS_ResolveException: 'na',
  QTS_Dump: 'oa',
  QTS_Eval: 'pa',
  QTS_Typeof: 'ra',
  QTS_GetGlobalObject: 'ua',
  QTS_NewFunction: 'Da',
  QTS_ArgvGetJSValueConstPointer: 'Ea',
  QTS_RuntimeEnableInterruptHandler: 'Fa',
} as const;

type Fn = (...args: number[]) => number;
type Raw = { [K in keyof typeof QUICKJS_EXPORTS]: Fn };

/** What QuickJS asks of the host while it runs. */
export interface QuickJsHost {
  /** Asked every ~10 000 branches: true ends the script (an uncatchable InternalError). */
  interrupt(): boolean;
  /**
   * A host function (made by newFunction with `id`) was called; `argv`
   * points at `argc` JSValues. Returns a JSValue* the C side takes over, or 0 (undefined).
   */
  call(ctx: number, id: number, argc: number, argv: number): number;
}

export interface QuickJsOptions {
  /**
   * false: leave the module's constructors alone, for a memory image
   * (src/pac/image.ts) that is copied over the memory next and has run them.
   */
  constructors?: boolean;
  /** The clock QuickJS reads (ms since the epoch; Date.now by default): the image maker fixes it. */
  clock?: () => number;
}

/** Thrown by the imports Emscripten uses for abort(), assert() and exit(). */
export class QuickJsAbort extends Error {}

const ENOSYS = 52;
const ESPIPE = 70;

export class QuickJs {
  readonly raw: Raw;
  private readonly memory: WebAssembly.Memory;
  private view: Uint8Array;
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();
  /** Set by the caller before QuickJS runs: the functions above dispatch to it. */
  host: QuickJsHost | undefined;
  /** How often QuickJS asked for the time zone or a local time, and for the clock (images want none). */
  localTimeReads = 0;
  clockReads = 0;

  /**
   * Instantiates the compiled module over `memory` (whose maximum is the
   * hard cap) and runs its constructors. Synchronous: the module is
   * compiled already, and WebAssembly.instantiate() would only add a turn
   * of the event loop.
   */
  static instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory, options: QuickJsOptions = {}): QuickJs {
    const self = new QuickJs(memory, options.clock ?? Date.now);
    const instance = new WebAssembly.Instance(module, { a: self.imports() });
    self.bind(instance.exports);
    if (options.constructors !== false) self.raw.__wasm_call_ctors();
    return self;
  }

  private constructor(memory: WebAssembly.Memory, private readonly clock: () => number) {
    this.memory = memory;
    this.view = new Uint8Array(memory.buffer);
    this.raw = {} as Raw;
  }

  private bind(exports: WebAssembly.Exports): void {
    for (const [name, exported] of Object.entries(QUICKJS_EXPORTS)) {
      const fn = exports[exported];
      if (typeof fn !== 'function') throw new QuickJsAbort(`the QuickJS module has no export ${exported} (${name})`);
      (this.raw as Record<string, Fn>)[name] = fn as Fn;
    }
  }

  /** The bytes of linear memory (a new view after the memory grew). */
  heap(): Uint8Array {
    if (this.view.buffer !== this.memory.buffer) this.view = new Uint8Array(this.memory.buffer);
    return this.view;
  }

  private i32(): Int32Array {
    return new Int32Array(this.memory.buffer);
  }

  /** A NUL-terminated UTF-8 copy of `text` in malloc'd memory (free it with `free`); 0 when out of memory. */
  newCString(text: string): { ptr: number; length: number } {
    const max = text.length * 3 + 1;
    const ptr = this.raw.malloc(max);
    if (ptr === 0) return { ptr, length: 0 };
    const { written } = this.encoder.encodeInto(text, this.heap().subarray(ptr, ptr + max - 1));
    this.heap()[ptr + written] = 0;
    return { ptr, length: written };
  }

  /** The NUL-terminated UTF-8 string at `ptr`. */
  readCString(ptr: number): string {
    const heap = this.heap();
    const end = heap.indexOf(0, ptr);
    return this.decoder.decode(heap.subarray(ptr, end < 0 ? heap.length : end));
  }

  /** A JSValue* holding a new guest string (to be freed). */
  newString(ctx: number, text: string): number {
    const s = this.newCString(text);
    if (s.ptr === 0) return 0;
    try {
      return this.raw.QTS_NewString(ctx, s.ptr);
    } finally {
      this.raw.free(s.ptr);
    }
  }

  /** The guest value as a string (its toString runs in the guest); undefined when that threw. */
  getString(ctx: number, value: number): string | undefined {
    const ptr = this.raw.QTS_GetString(ctx, value);
    if (ptr === 0) return undefined;
    try {
      return this.readCString(ptr);
    } finally {
      this.raw.QTS_FreeCString(ctx, ptr);
    }
  }

  /** `typeof value`, as QuickJS says it. */
  typeOf(ctx: number, value: number): string {
    const ptr = this.raw.QTS_Typeof(ctx, value);
    try {
      return this.readCString(ptr);
    } finally {
      this.raw.free(ptr);
    }
  }

  /** QTS_Dump: the value as JSON (an Error's name and message included), or as a string. */
  dump(ctx: number, value: number): string {
    const ptr = this.raw.QTS_Dump(ctx, value);
    if (ptr === 0) return '';
    try {
      return this.readCString(ptr);
    } finally {
      this.raw.QTS_FreeCString(ctx, ptr);
    }
  }

  /** JS_Eval of `code` as a global (not module) script: a JSValue* (JS_EXCEPTION on failure). */
  evalScript(ctx: number, code: string, filename: string): number {
    const source = this.newCString(code);
    const name = this.newCString(filename);
    try {
      if (source.ptr === 0 || name.ptr === 0) return 0;
      return this.raw.QTS_Eval(ctx, source.ptr, source.length, name.ptr, 0, 0);
    } finally {
      this.raw.free(source.ptr);
      this.raw.free(name.ptr);
    }
  }

  /** A host function named `name` in the guest, dispatched to host.call with `id`. */
  newFunction(ctx: number, name: string, id: number): number {
    const s = this.newCString(name);
    if (s.ptr === 0) return 0;
    try {
      return this.raw.QTS_NewFunction(ctx, s.ptr, 0, 0, id);
    } finally {
      this.raw.free(s.ptr);
    }
  }

  /** func(...args) with `this` undefined: a JSValue* (JS_EXCEPTION on failure). */
  callFunction(ctx: number, func: number, args: readonly number[]): number {
    const argv = this.raw.malloc(Math.max(4, args.length * 4));
    if (argv === 0) return 0;
    try {
      this.i32().set(args, argv >> 2);
      return this.raw.QTS_Call(ctx, func, this.raw.QTS_GetUndefined(), args.length, argv);
    } finally {
      this.raw.free(argv);
    }
  }

  /**
   * The import object: Emscripten's system calls reduced to what QuickJS
   * needs (the clock, the time zone, a growing heap), its host callbacks
   * routed to `host`, the rest refused. Nothing is printed: stdout and
   * stderr writes are dropped.
   */
  private imports(): Record<string, WebAssembly.ImportValue> {
    const host = () => {
      if (!this.host) throw new QuickJsAbort('QuickJS called the host with no host set');
      return this.host;
    };
    const abort = (what: string) => () => {
      throw new QuickJsAbort(what);
    };
    return {
      a: this.memory,
      b: abort('assertion failed'), // __assert_fail
      q: abort('abort()'), // abort
      r: abort('exit()'), // proc_exit
      l: () => {}, // _emscripten_runtime_keepalive_clear
      c: (_fd: number, iov: number, iovcnt: number, pnum: number) => this.dropWrite(iov, iovcnt, pnum), // fd_write
      d: () => ENOSYS, // fd_close
      o: () => ESPIPE, // fd_seek
      e: () => 0, // environ_get: no environment
      f: (countPtr: number, sizePtr: number) => { // environ_sizes_get
        const m = this.i32();
        m[countPtr >> 2] = 0;
        m[sizePtr >> 2] = 0;
        return 0;
      },
      j: () => 0, // _setitimer_js: QuickJS sets no timers
      k: (requested: number) => this.growHeap(requested >>> 0), // emscripten_resize_heap
      m: (time: bigint, tm: number) => this.localtime(time, tm), // _localtime_js
      n: (timezone: number, daylight: number, stdName: number, dstName: number) => this.tzset(timezone, daylight, stdName, dstName), // _tzset_js
      p: () => (this.clockReads++, this.clock()), // emscripten_date_now
      s: (ctx: number, _this: number, argc: number, argv: number, id: number) => host().call(ctx, id, argc, argv), // qts_host_call_function
      i: () => (host().interrupt() ? 1 : 0), // qts_host_interrupt_handler
      h: () => 0, // qts_host_load_module_source: no module loader is enabled
      g: () => 0, // qts_host_normalize_module
      t: () => {}, // qts_host_ref_free: host functions hold nothing to free
    };
  }

  private dropWrite(iov: number, iovcnt: number, pnum: number): number {
    const m = this.i32();
    let total = 0;
    for (let i = 0; i < iovcnt; i++) total += m[(iov >> 2) + i * 2 + 1]! >>> 0;
    m[pnum >> 2] = total;
    return 0;
  }

  /** Grows linear memory to at least `requested` bytes, with headroom; false beyond the memory's maximum. */
  private growHeap(requested: number): boolean {
    const have = this.memory.buffer.byteLength;
    for (const want of [Math.max(requested, have + (have >>> 2)), requested]) {
      try {
        this.memory.grow(Math.ceil((want - have) / 65536));
        return true;
      } catch {}
    }
    return false;
  }

  /** struct tm for `time` in local time, as Emscripten's glue fills it. */
  private localtime(time: bigint, tm: number): void {
    this.localTimeReads++;
    const seconds = time < -9007199254740992n || time > 9007199254740992n ? NaN : Number(time);
    const d = new Date(seconds * 1000);
    const m = this.i32();
    const p = tm >> 2;
    m[p] = d.getSeconds();
    m[p + 1] = d.getMinutes();
    m[p + 2] = d.getHours();
    m[p + 3] = d.getDate();
    m[p + 4] = d.getMonth();
    m[p + 5] = d.getFullYear() - 1900;
    m[p + 6] = d.getDay();
    const jan1 = new Date(d.getFullYear(), 0, 1);
    m[p + 7] = Math.round((Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) - Date.UTC(d.getFullYear(), 0, 1)) / 86400000);
    m[p + 9] = -60 * d.getTimezoneOffset();
    const summer = new Date(d.getFullYear(), 6, 1).getTimezoneOffset();
    const winter = jan1.getTimezoneOffset();
    m[p + 8] = Number(summer !== winter && d.getTimezoneOffset() === Math.min(winter, summer));
  }

  /** timezone, daylight and the two zone names, as Emscripten's glue sets them. */
  private tzset(timezone: number, daylight: number, stdName: number, dstName: number): void {
    this.localTimeReads++;
    const year = new Date().getFullYear();
    const winter = new Date(year, 0, 1).getTimezoneOffset();
    const summer = new Date(year, 6, 1).getTimezoneOffset();
    const m = this.i32();
    m[timezone >> 2] = 60 * Math.max(winter, summer);
    m[daylight >> 2] = Number(winter !== summer);
    const label = (offset: number) => {
      const abs = Math.abs(offset);
      return `UTC${offset >= 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
    };
    const put = (ptr: number, text: string) => {
      const { written } = this.encoder.encodeInto(text, this.heap().subarray(ptr, ptr + 16));
      this.heap()[ptr + written] = 0;
    };
    const [std, dst] = summer < winter ? [winter, summer] : [summer, winter];
    put(stdName, label(std));
    put(dstName, label(dst));
  }
}
