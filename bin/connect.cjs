#!/usr/bin/env node
'use strict';
// The `connect` command. ssh starts one per connection, so start-up time is
// what users feel (test/bench/NOTES.md). This launcher is a .cjs file, so
// Node neither starts its ES module loader nor looks for a package.json to
// learn the module type, and it runs the one-file bundle dist/cli.cjs
// through a V8 code cache: bytecode for the functions a session runs, no
// parsing or compiling. A cache is used only when it belongs to this very
// bundle (the build id on the bundle's first line), its payload is intact
// (the checksum on the cache's first line, see cacheChecksum()) and V8 accepts it
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
  const checksum = id && mode !== 'off' ? cacheChecksum() : undefined;
  // The bundle checks the caches of the files it loads (dist/pac.cjs, …) with it too.
  globalThis[Symbol.for('connect.cache-checksum')] = checksum;
  const cachedData = checksum ? readCache(fs, cacheFile, id, checksum) : undefined;
  // The bundle's value as a script is its module function (scripts/build.mjs
  // writes the wrapper into the file): no wrapped copy of the source is made here.
  const script = compileScript(source, file, cachedData);
  if (checksum && (mode === 'write' || !cachedData || script.cachedDataRejected)) {
    // Not after the run changed V8's flags (src/v8-flags.ts): plain starts would reject that cache.
    process.once('exit', () => { if (!globalThis[Symbol.for('connect.v8-flags-changed')]) saveCache(script, cacheFile, id, checksum); });
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
  const binding = triedBinding('contextify');
  const proto = binding?.ContextifyScript?.prototype;
  return typeof proto?.runInContext === 'function' && typeof proto.createCachedData === 'function' ? binding : undefined;
});

/**
 * process.binding(name) on the Node releases this file's use of bindings
 * was tried on (Node 20 from 20.20, 22 and 24), undefined elsewhere and
 * where it is refused (Node's permission model).
 */
const triedBinding = (function triedBinding(name) {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (!(major === 20 ? minor >= 20 : major === 22 || major === 24) || typeof process.binding !== 'function') return undefined;
  const quiet = process.noDeprecation;
  try {
    process.noDeprecation = true; // process.binding is deprecated (DEP0111): a warning would reach ssh's stderr
    return process.binding(name);
  } catch {
    return undefined;
  } finally {
    process.noDeprecation = quiet;
  }
});

/**
 * The cache's payload when the file belongs to this bundle (its first line
 * is the bundle's build id) and is intact (the checksum that follows it, see
 * cacheChecksum()); undefined otherwise. The payload is read to an 8-byte
 * aligned place: V8 then uses it where it is, and no copy of it is made.
 */
const readCache = (function readCache(fs, cacheFile, id, checksum) {
  try {
    const head = id.length + 9; // <id line><8 hex digits>\n
    const at = (8 - (head % 8)) % 8;
    const fd = fs.openSync(cacheFile, 'r');
    try {
      // Up to the end of the file, a larger buffer when it is full: no
      // fstat (Node builds a Stats object for it, costlier than a read).
      let buffer = new ArrayBuffer(256 * 1024);
      let size = 0;
      for (let n = -1; n !== 0; size += n) {
        if (at + size === buffer.byteLength) buffer = grown(buffer);
        n = fs.readSync(fd, new Uint8Array(buffer, at + size), 0, buffer.byteLength - at - size, null);
      }
      const data = new Uint8Array(buffer, at, size);
      if (size <= head || latin1(data, 0, id.length) !== id || data[head - 1] !== 0x0a) return undefined;
      const payload = data.subarray(head);
      return latin1(data, id.length, head - 1) === checksum(payload) ? payload : undefined;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
});

/** A buffer twice the size, holding what `buffer` holds. */
const grown = (function grown(buffer) {
  const bigger = new ArrayBuffer(2 * buffer.byteLength);
  new Uint8Array(bigger).set(new Uint8Array(buffer));
  return bigger;
});

/** bytes[start, end) as a string, a byte a character (the header is ASCII). */
const latin1 = (function latin1(bytes, start, end) {
  return String.fromCharCode.apply(null, bytes.subarray(start, end));
});

/**
 * V8 checks a code cache's header (version, flags, source hash, length) but
 * trusts its payload: flipped bytes there crash the process (V8_Fatal or
 * SIGSEGV) on every run until the file is deleted. So each cache carries a
 * checksum of its payload, checked before V8 sees it: zlib's CRC-32, as 8 hex
 * digits. It comes from zlib's binding (where triedBinding() gives it: no
 * node:zlib module loaded), else node:zlib's crc32 (Node 20.15+, 22.2+);
 * where neither is there, no cache is read or written. The WebAssembly
 * checksum this replaces had V8 set up its WebAssembly engine at every
 * start, which cost 2 % of a session (test/bench/NOTES.md, round 9).
 */
const cacheChecksum = (function cacheChecksum() {
  const crc32 = triedBinding('zlib')?.crc32 ?? publicCrc32();
  return typeof crc32 === 'function' ? (bytes) => (crc32(bytes, 0) >>> 0).toString(16).padStart(8, '0') : undefined;
});

const publicCrc32 = (function publicCrc32() {
  try {
    return require('node:zlib').crc32;
  } catch {
    return undefined;
  }
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

function saveCache(script, cacheFile, id, checksum) {
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

// Last, once the functions above exist. Each is parenthesised, so V8 compiles
// it while it parses this file, once, instead of pre-parsing it here and
// parsing it again at its first call (test/bench/NOTES.md).
launch().run(process.argv, exit);
