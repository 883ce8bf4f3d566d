/**
 * Compiling the QuickJS WebAssembly module, as soon as a PAC is known to be
 * needed (in the CLI, before the PAC code loads: scripts/build.mjs).
 * Synchronous: with lazy validation the compile is little more than
 * decoding, and an asynchronous one only added the wait for its completion
 * task behind the PAC code's own I/O (test/bench/NOTES.md). Kept apart
 * from sandbox.ts so that starting it loads nothing else.
 */
import { readFileSync } from 'node:fs';
import { setV8Flags } from '../v8-flags.js';

let compiling: Promise<WebAssembly.Module> | undefined;

/**
 * V8 versions known to have --wasm-lazy-validation (Node 20 to 24 are
 * tested; V8 has had the flag since 2019). V8 prints an unknown flag on
 * stderr, so another version does without it.
 */
const LAZY_VALIDATION_V8 = /^1[1-4]\./;

export function compileQuickJs(): Promise<WebAssembly.Module> {
  if (!compiling) {
    // Baseline code only: V8 would otherwise optimise the big module in the
    // background while the script runs, which stalls a short-lived process on
    // few cores and costs memory. Lazy validation: each function is checked
    // when it is first compiled, not all 0.5 MB up front (most never run).
    // Both affect WebAssembly only, and the CLI runs no other (test/bench/NOTES.md).
    // V8 rejects the code cache of a builtin loaded after the flags change (it
    // compiles it from source): the one the PAC code always loads comes first.
    process.getBuiltinModule('node:fs/promises');
    setV8Flags('--liftoff-only', ...(LAZY_VALIDATION_V8.test(process.versions.v8) ? ['--wasm-lazy-validation'] : []));
    try {
      compiling = Promise.resolve(new WebAssembly.Module(wasmBytes()));
    } catch (err) {
      compiling = Promise.reject(err);
    }
  }
  return compiling;
}

/** The WebAssembly bytes: beside the bundle in dist/, else the package's own file. */
function wasmBytes(): Uint8Array<ArrayBuffer> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(new URL('./quickjs.wasm', import.meta.url));
  } catch {
    bytes = readFileSync(process.getBuiltinModule('node:module').createRequire(import.meta.url).resolve('@jitl/quickjs-wasmfile-release-sync/wasm'));
  }
  // WebAssembly.Module reads the view's own bytes: no copy into a fresh ArrayBuffer.
  return bytes as Uint8Array<ArrayBuffer>;
}
