/**
 * Compiling the QuickJS WebAssembly module, started as early as a PAC is
 * known to be needed: WebAssembly.compile() decodes and validates on a
 * background thread while the main thread loads QuickJS's JavaScript side
 * and reads the script. Kept apart from sandbox.ts so that starting it
 * loads nothing else.
 */
import { readFile } from 'node:fs/promises';
import { setV8Flags } from '../v8-flags.js';

let compiling: Promise<WebAssembly.Module> | undefined;

export function compileQuickJs(): Promise<WebAssembly.Module> {
  if (!compiling) {
    // Baseline code only: V8 would otherwise optimise the big module in the
    // background while the script runs, which stalls a short-lived process on
    // few cores and costs memory (test/bench/NOTES.md). It affects
    // WebAssembly only, and the CLI runs no other.
    setV8Flags('--liftoff-only');
    compiling = wasmBytes().then((bytes) => WebAssembly.compile(bytes));
  }
  return compiling;
}

/** The WebAssembly bytes: beside the bundle in dist/, else the package's own file. */
async function wasmBytes(): Promise<Uint8Array<ArrayBuffer>> {
  try {
    return new Uint8Array(await readFile(new URL('./quickjs.wasm', import.meta.url)));
  } catch {
    const path = process.getBuiltinModule('node:module').createRequire(import.meta.url).resolve('@jitl/quickjs-wasmfile-release-sync/wasm');
    return new Uint8Array(await readFile(path));
  }
}
