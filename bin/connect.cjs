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

const launch = (function launch() {
  const fs = require('node:fs');
  const path = require('node:path');
  // path.resolve, not join: Node's module loader has compiled it already.
  const dir = path.resolve(__dirname, '..', 'dist');
  const file = path.resolve(dir, 'cli.cjs');
  const mode = process.env.CONNECT_CODE_CACHE;
  const source = fs.readFileSync(file, 'utf8');
  const id = source.startsWith('//build ') ? source.slice(0, source.indexOf('\n') + 1) : '';
  const cacheFile = path.resolve(dir, cacheName(id.slice(id.lastIndexOf(' ') + 1, -1)));
  const cachedData = id && mode !== 'off' ? readCache(fs, cacheFile, id) : undefined;
  // The bundle's value as a script is its module function (scripts/build.mjs
  // writes the wrapper into the file): no wrapped copy of the source is made here.
  const script = compileScript(source, file, cachedData);
  if (id && mode !== 'off' && (mode === 'write' || !cachedData || script.cachedDataRejected)) {
    // Not after the run changed V8's flags (src/v8-flags.ts): plain starts would reject that cache.
    process.once('exit', () => { if (!globalThis[Symbol.for('connect.v8-flags-changed')]) saveCache(script, cacheFile, id); });
  }
  const module = { exports: {}, filename: file, id: file, loaded: false };
  // The bundle requires node builtins only, so this file's own require()
  // serves (createRequire would load node:module for nothing).
  script.run()(module.exports, require, module, file, dir);
  return module.exports;
});

/**
 * new vm.Script(source, { filename, cachedData }), as { run(),
 * cachedDataRejected, createCachedData() }. Where it can, this goes to the
 * binding node:vm wraps (its ContextifyScript, with the arguments node:vm
 * passes), which spares loading node:vm at every start (test/bench/NOTES.md).
 * Internals change between releases, and a wrong argument here aborts the
 * process (a native CHECK, not an exception): only on the releases this was
 * tried on (Node 20 from 20.20, 22 and 24: the same eight constructor
 * arguments and five of runInContext), and only when process.binding gives
 * it (not under Node's permission model); otherwise node:vm. This file is
 * the only one that names this binding.
 */
const compileScript = (function compileScript(source, filename, cachedData) {
  const binding = contextify();
  if (!binding) {
    const script = new (require('node:vm').Script)(source, { filename, cachedData });
    script.run = () => script.runInThisContext();
    return script;
  }
  // code, filename, line and column offset, cachedData, produceCachedData,
  // parsing context (this one), the id of the host options for import()
  // (the bundle has none; without node:vm's own id an import() would fail,
  // as it does with node:vm's default).
  const script = new binding.ContextifyScript(source, filename, 0, 0, cachedData, false, undefined, Symbol('connect'));
  // this context, no timeout, errors decorated, no SIGINT break, no break on the first line
  script.run = () => script.runInContext(null, -1, true, false, false);
  return script;
});

const contextify = (function contextify() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (!(major === 20 ? minor >= 20 : major === 22 || major === 24) || typeof process.binding !== 'function') return undefined;
  const quiet = process.noDeprecation;
  try {
    process.noDeprecation = true; // process.binding is deprecated (DEP0111): a warning would reach ssh's stderr
    const binding = process.binding('contextify');
    const proto = binding?.ContextifyScript?.prototype;
    return typeof proto?.runInContext === 'function' && typeof proto.createCachedData === 'function' ? binding : undefined;
  } catch {
    return undefined; // refused (permission model)
  } finally {
    process.noDeprecation = quiet;
  }
});

/**
 * The cache's payload when the file belongs to this bundle (its first line
 * is the bundle's build id) and is intact (the checksum that follows it, see
 * checksummer()); undefined otherwise. The file is read straight into the
 * checksum's WebAssembly memory, placed so that the payload starts 8-byte
 * aligned: V8 then uses it where it is, and no copy of it is made.
 */
const readCache = (function readCache(fs, cacheFile, id) {
  try {
    const head = id.length + 17; // <id line><16 hex digits>\n
    const at = (8 - (head % 8)) % 8;
    const sum = checksummer();
    const fd = fs.openSync(cacheFile, 'r');
    try {
      // Up to the end of the file, growing the memory when it is full: no
      // fstat (Node builds a Stats object for it, costlier than a read).
      let size = 0;
      for (let n = -1; n !== 0; size += n) {
        const room = sum.reserve(at + size + 1) - at - size;
        n = fs.readSync(fd, new Uint8Array(sum.memory(), at + size, room), 0, room, null);
      }
      const data = new Uint8Array(sum.memory(), at, size);
      if (size <= head || latin1(data, 0, id.length) !== id || data[head - 1] !== 0x0a) return undefined;
      return latin1(data, id.length, head - 1) === sum(at + head, at + size) ? data.subarray(head) : undefined;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
});

/** bytes[start, end) as a string, a byte a character (the header is ASCII). */
const latin1 = (function latin1(bytes, start, end) {
  return String.fromCharCode.apply(null, bytes.subarray(start, end));
});

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
 * checksummer() gives a function sum(start, end) over its own memory
 * (`sum.memory()`, a new ArrayBuffer after each growth; `sum.reserve(size)`
 * makes it hold at least size bytes, zero beyond what is written). Its
 * bytes below are this module, assembled:
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
const checksummer = (function checksummer() {
  const bytes = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7e, 0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01,
    0x00, 0x04, 0x07, 0x09, 0x02, 0x01, 0x68, 0x00, 0x00, 0x01, 0x6d, 0x02, 0x00, 0x0a, 0xce, 0x01, 0x01, 0xcb, 0x01, 0x01, 0x04, 0x7e, 0x42, 0xa5,
    0xc6, 0x88, 0xa1, 0xc8, 0x9c, 0xa7, 0xf9, 0x4b, 0x20, 0x01, 0x20, 0x00, 0x6b, 0xad, 0x85, 0x21, 0x02, 0x42, 0xa4, 0xc6, 0x88, 0xa1, 0xc8, 0x9c,
    0xa7, 0xf9, 0x4b, 0x21, 0x03, 0x42, 0xa7, 0xc6, 0x88, 0xa1, 0xc8, 0x9c, 0xa7, 0xf9, 0x4b, 0x21, 0x04, 0x42, 0xa6, 0xc6, 0x88, 0xa1, 0xc8, 0x9c,
    0xa7, 0xf9, 0x4b, 0x21, 0x05, 0x02, 0x40, 0x20, 0x00, 0x20, 0x01, 0x4f, 0x0d, 0x00, 0x03, 0x40, 0x20, 0x02, 0x20, 0x00, 0x29, 0x03, 0x00, 0x85,
    0x42, 0xb3, 0x83, 0x80, 0x80, 0x80, 0x20, 0x7e, 0x21, 0x02, 0x20, 0x03, 0x20, 0x00, 0x29, 0x03, 0x08, 0x85, 0x42, 0xb3, 0x83, 0x80, 0x80, 0x80,
    0x20, 0x7e, 0x21, 0x03, 0x20, 0x04, 0x20, 0x00, 0x29, 0x03, 0x10, 0x85, 0x42, 0xb3, 0x83, 0x80, 0x80, 0x80, 0x20, 0x7e, 0x21, 0x04, 0x20, 0x05,
    0x20, 0x00, 0x29, 0x03, 0x18, 0x85, 0x42, 0xb3, 0x83, 0x80, 0x80, 0x80, 0x20, 0x7e, 0x21, 0x05, 0x20, 0x00, 0x41, 0x20, 0x6a, 0x22, 0x00, 0x20,
    0x01, 0x49, 0x0d, 0x00, 0x0b, 0x0b, 0x20, 0x02, 0x20, 0x03, 0x85, 0x42, 0xb3, 0x83, 0x80, 0x80, 0x80, 0x20, 0x7e, 0x21, 0x02, 0x20, 0x02, 0x20,
    0x04, 0x85, 0x42, 0xb3, 0x83, 0x80, 0x80, 0x80, 0x20, 0x7e, 0x21, 0x02, 0x20, 0x02, 0x20, 0x05, 0x85, 0x42, 0xb3, 0x83, 0x80, 0x80, 0x80, 0x20,
    0x7e, 0x21, 0x02, 0x20, 0x02, 0x0b,
  ]);
  const { h, m } = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports;
  const sum = (start, end) => BigInt.asUintN(64, h(start, end)).toString(16).padStart(16, '0');
  sum.memory = () => m.buffer; // a new ArrayBuffer after each growth
  sum.reserve = (size) => {
    const pages = Math.ceil((size + 32) / 65536) - m.buffer.byteLength / 65536; // the last round reads up to 31 bytes past the end
    if (pages > 0) m.grow(pages);
    return m.buffer.byteLength - 32;
  };
  return sum;
});

/**
 * V8 rejects a cache made under other flags or by another V8, so a run with
 * node options (NODE_OPTIONS, `node --inspect …/connect.cjs`) or under
 * another Node version than the build's keeps a cache of its own instead of
 * overwriting the one the build made for plain runs.
 */
const cacheName = (function cacheName(buildV8) {
  const options = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`.trim();
  const key = process.versions.v8 === buildV8 ? options : `${options} v8 ${process.versions.v8}`;
  if (!key) return 'cli.cache';
  let hash = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return `cli-${(hash >>> 0).toString(16)}.cache`;
});

function saveCache(script, cacheFile, id) {
  const fs = require('node:fs');
  const path = require('node:path');
  const tmp = `${cacheFile}.${process.pid}`;
  try {
    fs.accessSync(path.dirname(cacheFile), fs.constants.W_OK);
    const payload = script.createCachedData();
    const sum = checksummer();
    sum.reserve(payload.length);
    new Uint8Array(sum.memory()).set(payload);
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(`${id}${sum(0, payload.length)}\n`, 'latin1'), payload]));
    fs.renameSync(tmp, cacheFile);
  } catch {
    try { fs.rmSync(tmp, { force: true }); } catch {}
  }
}

// Last, once the functions above exist. Each is parenthesised, so V8 compiles
// it while it parses this file, once, instead of pre-parsing it here and
// parsing it again at its first call (test/bench/NOTES.md).
launch().run(process.argv, exit);
