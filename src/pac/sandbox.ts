/**
 * The PAC sandbox: QuickJS compiled to WebAssembly, holding nothing but the
 * script, the standard functions (src/pac/functions.ts) and the language's
 * own built-ins. Node's `vm` is no security boundary; a WebAssembly
 * instance is: the script can reach no host object, only its own linear
 * memory and the one dispatcher through which the PAC functions call out
 * (strings in, strings/booleans/null out).
 *
 * Limits, each because another does not suffice (SECURITY.md):
 * - the WebAssembly memory has a hard maximum (MEMORY_PAGES): QuickJS's own
 *   memory limit is advisory, the cap is not;
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
import * as variantModule from '@jitl/quickjs-wasmfile-release-sync';
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSContext, type QuickJSHandle, type QuickJSWASMModule } from 'quickjs-emscripten-core';
import { ConnectError } from '../errors.js';
import { PAC_FUNCTION_NAMES, type PacFunction, type PacValue } from './functions.js';
import { compileQuickJs } from './wasm.js';

/** 64 KiB pages: 16 MiB is what the module needs to start, 48 MiB the most it may ever hold. */
const INITIAL_PAGES = 256;
const MEMORY_PAGES = 768;
/** QuickJS's own limits, below the cap so that they usually speak first. */
const HEAP_LIMIT = 24 << 20;
const STACK_LIMIT = 256 << 10;
/** Longest answer taken from a script. */
const MAX_RESULT = 64 << 10;

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
}

type QuickJSSyncVariant = Extract<Parameters<typeof newVariant>[0], { type: 'sync' }>;

/** The package's default export, however the loader (Node ESM, tsc's types, esbuild) wraps it. */
function syncVariant(): QuickJSSyncVariant {
  let v = variantModule as unknown as { default?: unknown; type?: unknown };
  while (v.type !== 'sync' && v.default) v = v.default as typeof v;
  return v as unknown as QuickJSSyncVariant;
}

export async function loadPacEngine(): Promise<PacEngine> {
  const compiled = await compileQuickJs();
  const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MEMORY_PAGES });
  const quiet = () => {};
  const module = await newQuickJSWASMModuleFromVariant(newVariant(syncVariant(), {
    wasmModule: compiled,
    wasmMemory: memory,
    // Emscripten prints aborts to stderr itself; the caller reports one line instead.
    // (print/printErr are Emscripten Module options the types do not list.)
    emscriptenModule: { print: quiet, printErr: quiet } as Parameters<typeof newVariant>[1]['emscriptenModule'],
  }));
  return new Engine(module);
}

class Engine implements PacEngine {
  /** Set once the instance cannot be trusted (watchdog, host fault): every later run fails. */
  private broken: string | undefined;

  constructor(private readonly module: QuickJSWASMModule) {}

  run(source: string, name: string, call: PacCall, functions: Record<string, PacFunction>, timeoutMs: number): string {
    const fail = (why: string): never => {
      throw new ConnectError('PAC', `PAC script ${name}: ${why}`);
    };
    if (this.broken) fail(this.broken);
    const deadline = Date.now() + timeoutMs;
    let outcome: { value: string } | { error: string };
    try {
      outcome = underWatchdog(timeoutMs, () => this.evaluate(source, name, call, functions, deadline));
    } catch (err) {
      this.broken = hostFault(err, timeoutMs);
      return fail(this.broken);
    }
    if ('error' in outcome) fail(outcome.error);
    return (outcome as { value: string }).value;
  }

  private evaluate(source: string, name: string, call: PacCall, functions: Record<string, PacFunction>, deadline: number): { value: string } | { error: string } {
    const runtime = this.module.newRuntime({
      memoryLimitBytes: HEAP_LIMIT,
      maxStackSizeBytes: STACK_LIMIT,
      interruptHandler: () => Date.now() > deadline,
    });
    const vm = runtime.newContext();
    // No finally: after a host-side fault the instance is left alone (freeing may abort).
    const outcome = evaluateIn(vm, source, name, call, functions, deadline);
    vm.dispose();
    runtime.dispose();
    return outcome;
  }
}

function evaluateIn(vm: QuickJSContext, source: string, name: string, call: PacCall, functions: Record<string, PacFunction>, deadline: number): { value: string } | { error: string } {
  installFunctions(vm, functions);
  const loaded = vm.evalCode(source, name);
  if (loaded.error) return { error: describeGuestError(vm, loaded.error, deadline) };
  loaded.value.dispose();
  return callEntry(vm, call, deadline);
}

/**
 * Defines each PAC function in the guest as a small wrapper that turns its
 * arguments into strings (in the guest, so a hostile toString runs there)
 * and calls the host through one dispatcher the script cannot name.
 */
function installFunctions(vm: QuickJSContext, functions: Record<string, PacFunction>): void {
  const dispatcher = vm.newFunction('pac', (index, ...args) => {
    const fn = functions[PAC_FUNCTION_NAMES[vm.getNumber(index)]!];
    return toGuest(vm, fn ? fn(...args.map((a) => vm.getString(a))) : null);
  });
  const wrapper = `(function (pac, names) {
    names.forEach(function (name, i) {
      var f = function () {
        var args = [i];
        for (var j = 0; j < arguments.length && j < 8; j++) args.push(String(arguments[j]));
        return pac.apply(null, args);
      };
      Object.defineProperty(f, 'name', { value: name });
      globalThis[name] = f;
    });
  })`;
  const install = vm.unwrapResult(vm.evalCode(wrapper, 'pac-functions'));
  const names = vm.unwrapResult(vm.evalCode(JSON.stringify(PAC_FUNCTION_NAMES)));
  vm.unwrapResult(vm.callFunction(install, vm.undefined, dispatcher, names)).dispose();
  for (const h of [install, names, dispatcher]) h.dispose();
}

function toGuest(vm: QuickJSContext, value: PacValue): QuickJSHandle {
  if (value === null) return vm.null;
  if (typeof value === 'boolean') return value ? vm.true : vm.false;
  if (typeof value === 'number') return vm.newNumber(value);
  return vm.newString(value);
}

function callEntry(vm: QuickJSContext, call: PacCall, deadline: number): { value: string } | { error: string } {
  let entry = vm.getProp(vm.global, 'FindProxyForURLEx');
  if (vm.typeof(entry) !== 'function') {
    entry.dispose();
    entry = vm.getProp(vm.global, 'FindProxyForURL');
  }
  try {
    if (vm.typeof(entry) !== 'function') return { error: 'defines no function FindProxyForURL(url, host)' };
    const url = vm.newString(call.url);
    const host = vm.newString(call.host);
    const result = vm.callFunction(entry, vm.undefined, url, host);
    url.dispose();
    host.dispose();
    if (result.error) return { error: describeGuestError(vm, result.error, deadline) };
    const type = vm.typeof(result.value);
    const value = type === 'string' ? vm.getString(result.value) : undefined;
    result.value.dispose();
    if (value === undefined) return { error: `FindProxyForURL returned ${type === 'object' ? 'an object or null' : type}, not a string` };
    if (value.length > MAX_RESULT) return { error: `FindProxyForURL returned ${value.length} characters (at most ${MAX_RESULT})` };
    return { value };
  } finally {
    entry.dispose();
  }
}

/** `Name: message` of what the script threw, on one line, short. */
function describeGuestError(vm: QuickJSContext, error: QuickJSHandle, deadline: number): string {
  let text: string;
  try {
    const dumped = vm.dump(error) as unknown;
    text = typeof dumped === 'object' && dumped !== null && 'message' in dumped
      ? `${String((dumped as { name?: unknown }).name ?? 'Error')}: ${String((dumped as { message: unknown }).message)}`
      : `threw ${JSON.stringify(dumped) ?? String(dumped)}`;
  } catch {
    text = 'threw a value that cannot be shown';
  } finally {
    error.dispose();
  }
  if (text === 'InternalError: interrupted' && Date.now() > deadline) return 'did not finish in time';
  if (text === 'InternalError: out of memory') return 'ran out of memory';
  if (text === 'InternalError: stack overflow') return 'exhausted its stack';
  return oneLine(text);
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
