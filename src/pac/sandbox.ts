/**
 * The PAC sandbox: QuickJS compiled to WebAssembly, holding nothing but the
 * script, the standard functions (src/pac/functions.ts) and the language's
 * own built-ins. Node's `vm` is no security boundary; a WebAssembly
 * instance is: the script can reach no host object, only its own linear
 * memory and the PAC functions, host functions that take strings (turned
 * into strings in the guest) and give strings, numbers, booleans or null.
 * QuickJS is driven through our own small FFI (src/pac/quickjs.ts).
 *
 * Limits, each because another does not suffice (SECURITY.md):
 * - the WebAssembly memory has a hard maximum (MEMORY_PAGES in
 *   src/pac/setup.ts): QuickJS's own memory limit is advisory, the cap is not;
 * - QuickJS's memory limit and stack limit turn most excess into a clean
 *   InternalError first;
 * - the interrupt handler ends the script at the deadline, but QuickJS asks
 *   it only every ~10 000 branches, and one branch can be a long builtin
 *   call (`new Array(1e6).fill(i++)` in a loop takes minutes between two
 *   checks); so the whole run also happens under a V8 watchdog
 *   (vm.Script's `timeout`, used only for its timer thread, which
 *   terminates whatever JavaScript or WebAssembly is running). After a
 *   watchdog stop or a host-side fault the instance is never used again.
 */
import { Script } from 'node:vm';
import { ConnectError } from '../errors.js';
import { PAC_FUNCTION_NAMES, type PacFunction, type PacValue } from './functions.js';
import { imageOf, openImage, type QuickJsImage } from './image.js';
import { QuickJs } from './quickjs.js';
import { scriptLabel, type ScriptImages } from './script-image.js';
import { freeFresh, newMemory, setUpFresh, type FreshSetUp, type SetUp } from './setup.js';
import { compileQuickJs } from './wasm.js';

/** Longest answer taken from a script. */
const MAX_RESULT = 64 << 10;
/** Arguments a PAC function is given at most (the standard ones take up to 7). */
const MAX_ARGS = 8;

/**
 * The build id the image in dist/quickjs.wasm must carry (src/pac/image.ts):
 * scripts/build.mjs defines it in the bundle it makes; under tsc (build/,
 * the tests) there is none, and no image is used unless one is given.
 */
declare const PAC_IMAGE_BUILD_ID: string | undefined;
const BUILT_IMAGE_ID = typeof PAC_IMAGE_BUILD_ID === 'string' ? PAC_IMAGE_BUILD_ID : undefined;

export interface PacCall {
  url: string;
  host: string;
}

export interface PacEngine {
  /**
   * Evaluates `source` in a fresh context and returns what
   * FindProxyForURLEx (when defined) or FindProxyForURL gives for `call`.
   * Throws ConnectError('PAC') with one line on any failure.
   */
  run(source: string, name: string, call: PacCall, functions: Record<string, PacFunction>, timeoutMs: number): string;
  /** Whether its runs start from a memory image (src/pac/image.ts) rather than a fresh set-up. */
  readonly fromImage: boolean;
  /** How QuickJS was set up for the last run (or will be), for -d: from an image, or afresh and why. */
  readonly setUpBy: string;
}

export interface PacEngineOptions {
  /** The memory image to restore and the build id it must carry, instead of the module's own; null: none. */
  image?: { bytes: Uint8Array; buildId: string } | null;
  /** Where images of evaluated scripts are kept (src/pac/script-image.ts); unset: none. */
  scripts?: ScriptImages | undefined;
}

type Outcome = { value: string } | { error: string };

export async function loadPacEngine(options: PacEngineOptions = {}): Promise<PacEngine> {
  const module = await compileQuickJs();
  const given = options.image !== undefined ? options.image : builtImage(module);
  // A missing, stale or damaged image: the fresh set-up, silently (-d says why).
  const image = given ? openImage(given.bytes, given.buildId) : 'no image';
  if (typeof image === 'string') return new Engine(module, undefined, `afresh (${image})`);
  return new Engine(module, { image, buildId: given!.buildId, scripts: options.scripts }, 'from its image');
}

function builtImage(module: WebAssembly.Module): PacEngineOptions['image'] {
  const bytes = BUILT_IMAGE_ID === undefined ? undefined : imageOf(module);
  return bytes && { bytes, buildId: BUILT_IMAGE_ID! };
}

/** The build's image, and where images of scripts evaluated over it are kept. */
interface Images {
  image: QuickJsImage;
  buildId: string;
  scripts: ScriptImages | undefined;
}

class Engine implements PacEngine {
  /** Set once the instance cannot be trusted (watchdog, host fault): every later run fails. */
  private broken: string | undefined;
  /**
   * Frees the last fresh run's context and runtime. Called when the next run
   * starts, not when this one ends: most sessions run the script once and
   * exit, and freeing (QuickJS's collector and finalisers, compiled on first
   * use) would be work for nothing (test/bench/NOTES.md). A run from an
   * image frees nothing: its instance is dropped whole.
   */
  private freeLast: (() => void) | undefined;
  /** The instance fresh set-ups use, one after another. */
  private instance: QuickJs | undefined;
  /** The first run's set-up, made at load time (not when a script may have an image of its own). */
  private ready: SetUp | string | undefined;
  /** The script seen last, and its image when one was kept (or why not, or that one was made now). */
  private script: { source: string; name: string; image: QuickJsImage | string } | undefined;

  constructor(private readonly module: WebAssembly.Module, private readonly images: Images | undefined, public setUpBy: string) {
    if (!images?.scripts) this.ready = this.setUp();
  }

  get fromImage(): boolean {
    return this.images !== undefined;
  }

  run(source: string, name: string, call: PacCall, functions: Record<string, PacFunction>, timeoutMs: number): string {
    const fail = (why: string): never => {
      throw new ConnectError('PAC', `PAC script ${name}: ${why}`);
    };
    if (this.broken) fail(this.broken);
    const deadline = Date.now() + timeoutMs;
    let outcome: Outcome;
    try {
      outcome = underWatchdog(timeoutMs, () => this.evaluate(source, name, call, functions, deadline));
    } catch (err) {
      this.broken = hostFault(err, timeoutMs);
      return fail(this.broken);
    }
    if ('error' in outcome) fail(outcome.error);
    return (outcome as { value: string }).value;
  }

  /** A context for the next run: the image restored into a new instance, or a fresh set-up on the one instance. */
  private setUp(): SetUp | string {
    if (this.images) return this.images.image.restore(this.module);
    this.freeLast?.();
    this.freeLast = undefined;
    this.instance ??= QuickJs.instantiate(this.module, newMemory());
    return setUpFresh(this.instance);
  }

  private evaluate(source: string, name: string, call: PacCall, functions: Record<string, PacFunction>, deadline: number): Outcome {
    const evaluated = this.scriptImage(source, name);
    const s = evaluated ? evaluated.restore(this.module) : this.ready ?? this.setUp();
    this.ready = undefined;
    if (typeof s === 'string') return { error: s };
    // No finally: after a host-side fault the instance is left alone (freeing may abort).
    const guest = new Guest(s, deadline);
    let outcome: Outcome;
    try {
      outcome = evaluated ? guest.callEntry(call, functions) : guest.evaluate(source, name, call, functions, this.keeper(s, guest));
    } catch (err) {
      if (!(err instanceof OutOfMemory)) throw err;
      outcome = { error: 'ran out of memory' };
    }
    if ('values' in s) {
      this.freeLast = () => {
        guest.dispose();
        freeFresh(s as FreshSetUp);
      };
    }
    return outcome;
  }

  /** The kept image of this script (read once per script), if any. */
  private scriptImage(source: string, name: string): QuickJsImage | undefined {
    const scripts = this.images?.scripts;
    if (!scripts) return undefined;
    if (this.script?.source !== source || this.script.name !== name) {
      const bytes = scripts.read(name);
      this.script = { source, name, image: bytes ? openImage(bytes, this.images!.buildId, scriptLabel(name, source)) : 'none kept' };
    }
    const image = this.script.image;
    this.setUpBy = typeof image === 'string' ? `from its image (the script's own: ${image})` : 'from the script\'s own image';
    return typeof image === 'string' ? undefined : image;
  }

  /**
   * For a run that evaluates the script over the build's image, with a
   * place to keep images of scripts: called once the script's top level has
   * run, keeps an image of the memory if that evaluation depended on the
   * script's text alone (src/pac/script-image.ts).
   */
  private keeper(s: SetUp, guest: Guest): (() => void) | undefined {
    const images = this.images;
    const script = this.script;
    if (!images?.scripts || !script || typeof script.image !== 'string' || script.image === 'made now' || !images.scripts.writable()) return undefined;
    const { qjs } = s;
    const clock = qjs.clockReads;
    const local = qjs.localTimeReads;
    const seed = images.image.seedOf(qjs);
    return () => {
      if (qjs.clockReads !== clock || qjs.localTimeReads !== local || guest.hostCalls !== 0 || images.image.seedOf(qjs) !== seed) return;
      const memory = qjs.heap().slice();
      const label = scriptLabel(script.name, script.source);
      images.scripts!.write(script.name, () => images.image.capture(memory, label));
      script.image = 'made now';
    };
  }
}

/** malloc failed on the host's side of the FFI (the guest's own failures are exceptions). */
class OutOfMemory extends Error {}

/** One run's context: the values it made (all freed before the context), the host calls it answers. */
class Guest {
  private readonly values: number[] = [];
  private readonly qjs: QuickJs;
  private readonly q: QuickJs['raw'];
  private readonly ctx: number;
  /** A JSValue* holding JS_EXCEPTION: a host function returns a copy to let a pending exception through. */
  private readonly exception: number;
  private functions: Record<string, PacFunction> = {};
  /** PAC functions the script called so far. */
  hostCalls = 0;

  constructor(s: SetUp, private readonly deadline: number) {
    this.qjs = s.qjs;
    this.q = s.qjs.raw;
    this.ctx = s.ctx;
    this.exception = s.exception;
    this.qjs.host = {
      interrupt: () => Date.now() > deadline,
      call: (_ctx, id, argc, argv) => this.callHost(id, argc, argv),
    };
  }

  /** Runs the script's top level, then `evaluated`, then asks the script. */
  evaluate(source: string, name: string, call: PacCall, functions: Record<string, PacFunction>, evaluated?: () => void): Outcome {
    this.functions = functions;
    const loaded = this.keep(this.qjs.evalScript(this.ctx, source, name));
    const error = this.errorOf(loaded);
    if (error) return { error };
    evaluated?.();
    return this.callEntry(call, functions);
  }

  dispose(): void {
    this.qjs.host = undefined;
    for (const value of this.values.reverse()) this.q.QTS_FreeValuePointer(this.ctx, value);
    this.values.length = 0;
  }

  /** Tracks a JSValue* for dispose(); 0 means malloc failed. */
  private keep(value: number): number {
    if (value === 0) throw new OutOfMemory();
    this.values.push(value);
    return value;
  }

  /** A guest string, tracked. */
  private string(text: string): number {
    return this.keep(this.qjs.newString(this.ctx, text));
  }

  /** The script's error for a result, if it is an exception. */
  private errorOf(result: number): string | undefined {
    const error = this.q.QTS_ResolveException(this.ctx, result);
    return error === 0 ? undefined : describeGuestError(this.qjs, this.ctx, this.keep(error), this.deadline);
  }

  private callHost(id: number, argc: number, argv: number): number {
    this.hostCalls++;
    const args: string[] = [];
    for (let i = 0; i < Math.min(argc, MAX_ARGS); i++) {
      const text = this.qjs.getString(this.ctx, this.q.QTS_ArgvGetJSValueConstPointer(argv, i));
      // Its toString threw (or was interrupted): let that exception through.
      if (text === undefined) return this.q.QTS_DupValuePointer(this.ctx, this.exception);
      args.push(text);
    }
    const fn = this.functions[PAC_FUNCTION_NAMES[id - 1]!];
    return this.toGuest(fn ? fn(...args) : null);
  }

  /** A JSValue* for a host function's result (the C side takes it over). */
  private toGuest(value: PacValue): number {
    if (typeof value === 'string') return this.qjs.newString(this.ctx, value);
    if (typeof value === 'number') return this.q.QTS_NewFloat64(this.ctx, value);
    const constant = value === null ? this.q.QTS_GetNull() : value ? this.q.QTS_GetTrue() : this.q.QTS_GetFalse();
    return this.q.QTS_DupValuePointer(this.ctx, constant);
  }

  /** Asks the script (its top level has run, here or before an image was made). */
  callEntry(call: PacCall, functions: Record<string, PacFunction>): Outcome {
    this.functions = functions;
    const global = this.keep(this.q.QTS_GetGlobalObject(this.ctx));
    let entry = 0;
    for (const name of ['FindProxyForURLEx', 'FindProxyForURL']) {
      entry = this.keep(this.q.QTS_GetProp(this.ctx, global, this.string(name)));
      const error = this.errorOf(entry);
      if (error) return { error };
      if (this.qjs.typeOf(this.ctx, entry) === 'function') break;
      entry = 0;
    }
    if (entry === 0) return { error: 'defines no function FindProxyForURL(url, host)' };
    const result = this.keep(this.qjs.callFunction(this.ctx, entry, [this.string(call.url), this.string(call.host)]));
    const error = this.errorOf(result);
    if (error) return { error };
    const type = this.qjs.typeOf(this.ctx, result);
    const value = type === 'string' ? this.qjs.getString(this.ctx, result) : undefined;
    if (value === undefined) return { error: `FindProxyForURL returned ${type === 'object' ? 'an object or null' : type}, not a string` };
    if (value.length > MAX_RESULT) return { error: `FindProxyForURL returned ${value.length} characters (at most ${MAX_RESULT})` };
    return { value };
  }
}

/** `Name: message` of what the script threw, on one line, short. */
function describeGuestError(qjs: QuickJs, ctx: number, error: number, deadline: number): string {
  const text = thrownText(qjs, ctx, error);
  if (text === 'InternalError: interrupted' && Date.now() > deadline) return 'did not finish in time';
  if (text === 'InternalError: out of memory') return 'ran out of memory';
  if (text === 'InternalError: stack overflow') return 'exhausted its stack';
  return oneLine(text);
}

function thrownText(qjs: QuickJs, ctx: number, error: number): string {
  if (qjs.typeOf(ctx, error) === 'undefined') return 'threw undefined';
  const json = qjs.dump(ctx, error);
  let dumped: unknown;
  try {
    dumped = JSON.parse(json);
  } catch {
    return json ? `threw ${json}` : 'threw a value that cannot be shown';
  }
  return typeof dumped === 'object' && dumped !== null && 'message' in dumped
    ? `${String((dumped as { name?: unknown }).name ?? 'Error')}: ${String((dumped as { message: unknown }).message)}`
    : `threw ${JSON.stringify(dumped)}`;
}

function oneLine(text: string): string {
  const line = text.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}

/** What a host-side fault (watchdog, V8 stack, WebAssembly trap) means, in one line. */
function hostFault(err: unknown, timeoutMs: number): string {
  const code = (err as { code?: unknown })?.code;
  if (code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return `did not finish within ${timeoutMs} ms`;
  if (err instanceof RangeError) return 'exhausted the stack';
  if (err instanceof WebAssembly.RuntimeError) return `stopped the sandbox (${oneLine(err.message).replace(/\. Build with.*$/, '')})`;
  return `stopped the sandbox (${oneLine(String((err as Error)?.message ?? err))})`;
}

const WATCHDOG_SLOT = '__connectPacRun';
let watchdogScript: Script | undefined;

/** Runs `body` with a hard time limit: V8 terminates it (JavaScript or WebAssembly) at `timeoutMs`. */
function underWatchdog<T>(timeoutMs: number, body: () => T): T {
  watchdogScript ??= new Script(`globalThis.${WATCHDOG_SLOT}()`, { filename: 'pac-watchdog' });
  const slot = globalThis as unknown as Record<string, unknown>;
  slot[WATCHDOG_SLOT] = body;
  try {
    return watchdogScript.runInThisContext({ timeout: Math.max(1, Math.ceil(timeoutMs)) }) as T;
  } finally {
    delete slot[WATCHDOG_SLOT];
  }
}
