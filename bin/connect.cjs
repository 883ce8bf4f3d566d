#!/usr/bin/env node
'use strict';
// The `connect` command. ssh starts one per connection, so start-up time is
// what users feel (test/bench/NOTES.md). This launcher is a .cjs file, so
// Node neither starts its ES module loader nor looks for a package.json to
// learn the module type, and it runs the one-file bundle dist/cli.cjs
// through a V8 code cache: bytecode for the functions a session runs, no
// parsing or compiling. A cache is used only when it belongs to this very
// bundle (the build id on the bundle's first line), its payload is intact
// (the checksum on the cache's first line, see checksummer()) and V8 accepts it
// (same V8 version and flags); otherwise the bundle is compiled as usual
// and, when dist/ is writable, a fresh cache is written at exit.
// CONNECT_CODE_CACHE=off: never read or write it; =write: rewrite it at exit.
// The one place that may end the process at once; src/ gets it as `exit`.
const exit = (code) => process.exit(code);
launch().run(process.argv, exit);

function launch() {
  const fs = require('node:fs');
  const path = require('node:path');
  const vm = require('node:vm');
  const dir = path.join(__dirname, '..', 'dist');
  const file = path.join(dir, 'cli.cjs');
  const mode = process.env.CONNECT_CODE_CACHE;
  const source = fs.readFileSync(file, 'utf8');
  const id = source.startsWith('//build ') ? source.slice(0, source.indexOf('\n') + 1) : '';
  const cacheFile = path.join(dir, cacheName(id.slice(id.lastIndexOf(' ') + 1, -1)));
  const cachedData = id && mode !== 'off' ? readCache(fs, cacheFile, id) : undefined;
  // The bundle's value as a script is its module function (scripts/build.mjs
  // writes the wrapper into the file): no wrapped copy of the source is made here.
  const script = new vm.Script(source, { filename: file, cachedData });
  if (id && mode !== 'off' && (mode === 'write' || !cachedData || script.cachedDataRejected)) {
    // Not after the run changed V8's flags (src/v8-flags.ts): plain starts would reject that cache.
    process.once('exit', () => { if (!globalThis[Symbol.for('connect.v8-flags-changed')]) saveCache(script, cacheFile, id); });
  }
  const module = { exports: {}, filename: file, id: file, loaded: false };
  // The bundle requires node builtins only, so this file's own require()
  // serves (createRequire would load node:module for nothing).
  script.runInThisContext()(module.exports, require, module, file, dir);
  return module.exports;
}

/**
 * The cache's payload when the file belongs to this bundle (its first line
 * is the bundle's build id) and is intact (the checksum that follows it, see
 * checksummer()); undefined otherwise. The file is read straight into the
 * checksum's WebAssembly memory, placed so that the payload starts 8-byte
 * aligned: V8 then uses it where it is, and no copy of it is made.
 */
function readCache(fs, cacheFile, id) {
  try {
    const head = id.length + 17; // <id line><16 hex digits>\n
    const fd = fs.openSync(cacheFile, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const at = (8 - (head % 8)) % 8;
      const sum = checksummer(at + size);
      const data = Buffer.from(sum.memory, at, size);
      for (let done = 0, n; done < size; done += n) if ((n = fs.readSync(fd, data, done, size - done, done)) === 0) return undefined;
      if (size <= head || data.toString('latin1', 0, id.length) !== id || data[head - 1] !== 0x0a) return undefined;
      return data.toString('latin1', id.length, head - 1) === sum(at + head, at + size) ? data.subarray(head) : undefined;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/**
 * V8 checks a code cache's header (version, flags, source hash, length) but
 * trusts its payload: flipped bytes there crash the process (V8_Fatal or
 * SIGSEGV) on every run until the file is deleted. So the cache carries a
 * checksum of its payload, checked before V8 sees it: a 64-bit FNV-1a over
 * 8-byte words in four interleaved lanes (a change to any one word always
 * changes it), starting from the length, then the lanes folded together. It
 * runs as WebAssembly: the same loop in JavaScript, or loading node:crypto,
 * node:zlib or node:v8 (for V8's own payload checksum, off in release
 * builds), costs several times more at every start, and the 32-bit
 * one-lane loop it replaces took three times as long (test/bench/NOTES.md). Without WebAssembly
 * (`--jitless`) it throws, and the cache is not used.
 * checksummer(size) gives a function sum(start, end) over its own memory
 * (`sum.memory`, at least size bytes; zero beyond what is written).
 *
 *   (module (memory (export "m") 4)
 *     (func (export "h") (param $at i32) (param $end i32) (result i64)
 *       (local $a i64) (local $b i64) (local $c i64) (local $d i64)
 *       (local.set $a (i64.xor (i64.const 0xcbf29ce484222325) (i64.extend_i32_u (i32.sub (local.get $end) (local.get $at)))))
 *       (local.set $b (i64.const 0xcbf29ce484222324)) (local.set $c (i64.const 0xcbf29ce484222327)) (local.set $d (i64.const 0xcbf29ce484222326))
 *       (block (br_if 0 (i32.ge_u (local.get $at) (local.get $end)))
 *         (loop
 *           (local.set $a (i64.mul (i64.xor (local.get $a) (i64.load (local.get $at))) (i64.const 0x100000001b3)))
 *           (local.set $b (i64.mul (i64.xor (local.get $b) (i64.load offset=8 (local.get $at))) (i64.const 0x100000001b3)))
 *           (local.set $c (i64.mul (i64.xor (local.get $c) (i64.load offset=16 (local.get $at))) (i64.const 0x100000001b3)))
 *           (local.set $d (i64.mul (i64.xor (local.get $d) (i64.load offset=24 (local.get $at))) (i64.const 0x100000001b3)))
 *           (br_if 0 (i32.lt_u (local.tee $at (i32.add (local.get $at) (i32.const 32))) (local.get $end)))))
 *       (local.set $a (i64.mul (i64.xor (local.get $a) (local.get $b)) (i64.const 0x100000001b3)))
 *       (local.set $a (i64.mul (i64.xor (local.get $a) (local.get $c)) (i64.const 0x100000001b3)))
 *       (local.set $a (i64.mul (i64.xor (local.get $a) (local.get $d)) (i64.const 0x100000001b3)))
 *       (local.get $a)))
 */
function checksummer(size) {
  const wasm = 'AGFzbQEAAAABBwFgAn9/AX4DAgEABQMBAAQHCQIBaAAAAW0CAArOAQHLAQEEfkKlxoihyJyn+UsgASAAa62FIQJCpMaIocicp/lLIQNCp8aIocicp/lLIQRCpsaIocicp/lLIQUCQCAAIAFPDQADQCACIAApAwCFQrODgICAIH4hAiADIAApAwiFQrODgICAIH4hAyAEIAApAxCFQrODgICAIH4hBCAFIAApAxiFQrODgICAIH4hBSAAQSBqIgAgAUkNAAsLIAIgA4VCs4OAgIAgfiECIAIgBIVCs4OAgIAgfiECIAIgBYVCs4OAgIAgfiECIAIL';
  const { h, m } = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(wasm, 'base64'))).exports;
  const pages = Math.ceil((size + 32) / 65536) - m.buffer.byteLength / 65536; // the last round reads up to 31 bytes past the end
  if (pages > 0) m.grow(pages);
  const sum = (start, end) => BigInt.asUintN(64, h(start, end)).toString(16).padStart(16, '0');
  sum.memory = m.buffer;
  return sum;
}

/**
 * V8 rejects a cache made under other flags or by another V8, so a run with
 * node options (NODE_OPTIONS, `node --inspect …/connect.cjs`) or under
 * another Node version than the build's keeps a cache of its own instead of
 * overwriting the one the build made for plain runs.
 */
function cacheName(buildV8) {
  const options = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`.trim();
  const key = process.versions.v8 === buildV8 ? options : `${options} v8 ${process.versions.v8}`;
  if (!key) return 'cli.cache';
  let hash = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return `cli-${(hash >>> 0).toString(16)}.cache`;
}

function saveCache(script, cacheFile, id) {
  const fs = require('node:fs');
  const path = require('node:path');
  const tmp = `${cacheFile}.${process.pid}`;
  try {
    fs.accessSync(path.dirname(cacheFile), fs.constants.W_OK);
    const payload = script.createCachedData();
    const sum = checksummer(payload.length);
    new Uint8Array(sum.memory).set(payload);
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(`${id}${sum(0, payload.length)}\n`, 'latin1'), payload]));
    fs.renameSync(tmp, cacheFile);
  } catch {
    try { fs.rmSync(tmp, { force: true }); } catch {}
  }
}
