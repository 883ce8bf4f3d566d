#!/usr/bin/env node
'use strict';
// The `connect` command. ssh starts one per connection, so start-up time is
// what users feel (test/bench/NOTES.md). This launcher is a .cjs file, so
// Node neither starts its ES module loader nor looks for a package.json to
// learn the module type, and it runs the one-file bundle dist/cli.cjs
// through a V8 code cache: bytecode for the functions a session runs, no
// parsing or compiling. A cache is used only when it belongs to this very
// bundle (the build id on the bundle's first line), its payload is intact
// (the checksum on the cache's first line, see checksum()) and V8 accepts it
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
  let cachedData;
  if (id && mode !== 'off') {
    try {
      const data = fs.readFileSync(cacheFile);
      const head = id.length + 9; // <id line><8 hex digits>\n
      if (data.toString('latin1', 0, id.length) === id && data[head - 1] === 0x0a) {
        const payload = data.subarray(head);
        if (data.toString('latin1', id.length, head - 1) === checksum(payload)) cachedData = payload;
      }
    } catch {}
  }
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
 * V8 checks a code cache's header (version, flags, source hash, length) but
 * trusts its payload: flipped bytes there crash the process (V8_Fatal or
 * SIGSEGV) on every run until the file is deleted. So the cache carries a
 * checksum of its payload, checked before V8 sees it: FNV-1a over 32-bit
 * words (the tail zero-padded), run as WebAssembly because the same loop in
 * JavaScript, or loading node:crypto, node:zlib or node:v8 (for V8's own
 * payload checksum, off in release builds) costs several times more at
 * every start (test/bench/NOTES.md). Without WebAssembly (`--jitless`) it
 * throws, and the cache is not used. scripts/build.mjs has the same for the
 * caches of the vendored files.
 *
 *   (module (memory (export "m") 4)
 *     (func (export "h") (param $n i32) (result i32) (local $i i32) (local $h i32)
 *       (local.set $h (i32.const 0x811c9dc5))
 *       (loop
 *         (local.set $h (i32.mul (i32.xor (local.get $h) (i32.load (local.get $i))) (i32.const 0x01000193)))
 *         (br_if 0 (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (local.get $n))))
 *       (local.get $h)))
 */
function checksum(data) {
  const wasm = 'AGFzbQEAAAABBgFgAX8BfwMCAQAFAwEABAcJAgFoAAABbQIACi8BLQECf0HFu/KIeCECA0AgAiABKAIAc0GTg4AIbCECIAFBBGoiASAASQ0ACyACCw==';
  const { h, m } = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(wasm, 'base64'))).exports;
  const pages = Math.ceil((data.length + 4) / 65536) - m.buffer.byteLength / 65536;
  if (pages > 0) m.grow(pages);
  new Uint8Array(m.buffer).set(data);
  return (h((data.length + 3) & ~3) >>> 0).toString(16).padStart(8, '0');
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
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(`${id}${checksum(payload)}\n`, 'latin1'), payload]));
    fs.renameSync(tmp, cacheFile);
  } catch {
    try { fs.rmSync(tmp, { force: true }); } catch {}
  }
}
