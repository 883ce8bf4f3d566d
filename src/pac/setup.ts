/**
 * Setting up QuickJS for a PAC run: the memory with its hard cap, a runtime
 * with its limits and interrupt handler, a context, and the PAC functions
 * as host functions on its global object. The fresh set-up of every run
 * without a memory image, and what an image (src/pac/image.ts) holds; the
 * limits are applied again after an image is restored, not taken from it.
 * Why each limit: src/pac/sandbox.ts and SECURITY.md.
 */
import { PAC_FUNCTION_NAMES } from './functions.js';
import type { QuickJs } from './quickjs.js';

/** 64 KiB pages: 16 MiB is what the module needs to start, 48 MiB the most it may ever hold. */
export const INITIAL_PAGES = 256;
export const MEMORY_PAGES = 768;
/** QuickJS's own limits, below the cap so that they usually speak first. */
export const HEAP_LIMIT = 24 << 20;
export const STACK_LIMIT = 256 << 10;

/** The linear memory of one instance, never above the hard cap. */
export function newMemory(pages = INITIAL_PAGES): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: pages, maximum: MEMORY_PAGES });
}

/** A context ready for a script. */
export interface SetUp {
  qjs: QuickJs;
  rt: number;
  ctx: number;
  /** A JSValue* holding JS_EXCEPTION: a host function returns a copy to let a pending exception through. */
  exception: number;
}

/** A fresh set-up: also the JSValue*s it made, to be freed before the context. */
export type FreshSetUp = SetUp & { values: number[] };

/** QuickJS's memory limit, stack limit and interrupt handler on `rt`. */
export function applyLimits(qjs: QuickJs, rt: number): void {
  const q = qjs.raw;
  q.QTS_RuntimeSetMemoryLimit(rt, HEAP_LIMIT);
  q.QTS_RuntimeSetMaxStackSize(rt, STACK_LIMIT);
  q.QTS_RuntimeEnableInterruptHandler(rt);
}

/**
 * Runtime, limits, context, the exception value and the PAC functions (each
 * a host function dispatched by its index in PAC_FUNCTION_NAMES, plus one).
 * A string when it failed (what it had made is freed again).
 */
export function setUpFresh(qjs: QuickJs): FreshSetUp | string {
  const q = qjs.raw;
  const rt = q.QTS_NewRuntime();
  if (rt === 0) return 'ran out of memory';
  applyLimits(qjs, rt);
  const ctx = q.QTS_NewContext(rt, 0);
  if (ctx === 0) {
    q.QTS_FreeRuntime(rt);
    return 'ran out of memory';
  }
  const s: FreshSetUp = { qjs, rt, ctx, exception: 0, values: [] };
  if (!installFunctions(s)) {
    freeFresh(s);
    return 'ran out of memory';
  }
  return s;
}

/** The exception value and the PAC functions into a new context; false when memory ran out. */
function installFunctions(s: FreshSetUp): boolean {
  const { qjs, ctx, values } = s;
  const q = qjs.raw;
  // 0: malloc failed on the host's side of the FFI.
  const keep = (value: number) => (value === 0 ? 0 : (values.push(value), value));
  s.exception = keep(q.QTS_Throw(ctx, q.QTS_GetUndefined()));
  if (s.exception === 0) return false;
  q.QTS_FreeValuePointer(ctx, q.QTS_ResolveException(ctx, s.exception));
  const global = keep(q.QTS_GetGlobalObject(ctx));
  if (global === 0) return false;
  for (const [i, name] of PAC_FUNCTION_NAMES.entries()) {
    const fn = keep(qjs.newFunction(ctx, name, i + 1));
    const key = fn === 0 ? 0 : keep(qjs.newString(ctx, name));
    if (key === 0) return false;
    // Making a function throws only when QuickJS runs out of memory.
    const error = q.QTS_ResolveException(ctx, fn);
    if (error !== 0) {
      q.QTS_FreeValuePointer(ctx, error);
      return false;
    }
    q.QTS_SetProp(ctx, global, key, fn);
  }
  return true;
}

/** Frees a fresh set-up's values, context and runtime. */
export function freeFresh(s: FreshSetUp): void {
  const q = s.qjs.raw;
  for (const value of s.values.reverse()) q.QTS_FreeValuePointer(s.ctx, value);
  s.values.length = 0;
  q.QTS_FreeContext(s.ctx);
  q.QTS_FreeRuntime(s.rt);
}
