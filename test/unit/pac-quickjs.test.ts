// The FFI of src/pac/quickjs.ts is written against one build of QuickJS
// (@jitl/quickjs-wasmfile-release-sync, pinned), whose import and export
// names Emscripten minified. These tests hold it to that build: the export
// table against the variant's own glue, the import object against the
// .wasm file's import section (names and signatures) and against the
// glue's callbacks, so that a new version of the package fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { QUICKJS_EXPORTS } from '../../src/pac/quickjs.js';

const require = createRequire(import.meta.url);
const wasmPath = require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm');
const gluePath = join(dirname(wasmPath), 'emscripten-module.cjs');
const glue = readFileSync(gluePath, 'utf8');
const wasm = readFileSync(wasmPath);

/** Import and export names and signatures from the binary (WebAssembly core spec §5.5). */
function sections(bytes: Buffer): { imports: Map<string, string>; exports: Map<string, string> } {
  let p = 8;
  const u = () => {
    let r = 0;
    let s = 0;
    let x;
    do {
      x = bytes[p++]!;
      r |= (x & 0x7f) << s;
      s += 7;
    } while (x & 0x80);
    return r >>> 0;
  };
  const name = () => {
    const n = u();
    p += n;
    return bytes.toString('utf8', p - n, p);
  };
  const T: Record<number, string> = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64' };
  const types: string[] = [];
  const funcTypes: string[] = [];
  const imports = new Map<string, string>();
  const exports = new Map<string, string>();
  while (p < bytes.length) {
    const id = bytes[p++]!;
    const end = u() + p;
    if (id === 1) {
      for (let n = u(); n > 0; n--) {
        p++;
        const params = Array.from({ length: u() }, () => T[bytes[p++]!]);
        const results = Array.from({ length: u() }, () => T[bytes[p++]!]);
        types.push(`(${params.join(',')})->(${results.join(',')})`);
      }
    } else if (id === 2) {
      for (let n = u(); n > 0; n--) {
        const key = `${name()}.${name()}`;
        const kind = bytes[p++];
        if (kind === 0) {
          const type = types[u()]!;
          imports.set(key, type);
          funcTypes.push(type);
        } else if (kind === 2) {
          const flags = bytes[p++]!;
          imports.set(key, `memory ${u()}${flags & 1 ? ` ${u()}` : ''}`);
        } else {
          throw new Error(`unexpected import kind ${kind}`);
        }
      }
    } else if (id === 3) {
      for (let n = u(); n > 0; n--) funcTypes.push(types[u()]!);
    } else if (id === 7) {
      for (let n = u(); n > 0; n--) {
        const key = name();
        const kind = bytes[p++];
        const index = u();
        exports.set(key, kind === 0 ? funcTypes[index]! : `kind ${kind}`);
      }
    }
    p = end;
  }
  return { imports, exports };
}

const { imports, exports } = sections(wasm);

test('every export the FFI calls is the C function the glue says it is', () => {
  const named = new Map([...glue.matchAll(/c\._(\w+)=b\.([\w$]+)/g)].map((m) => [m[1]!, m[2]!]));
  const ctors = /\bZ\.(\w+)\(\);/.exec(glue)?.[1];
  for (const [fn, exported] of Object.entries(QUICKJS_EXPORTS)) {
    assert.equal(fn === '__wasm_call_ctors' ? ctors : named.get(fn), exported, fn);
    assert.ok(exports.has(exported), `${exported} (${fn}) is exported`);
  }
});

test('the signatures of the exports the FFI calls', () => {
  const expected: Partial<Record<keyof typeof QUICKJS_EXPORTS, string>> = {
    __wasm_call_ctors: '()->()',
    malloc: '(i32)->(i32)',
    free: '(i32)->()',
    QTS_NewRuntime: '()->(i32)',
    QTS_NewContext: '(i32,i32)->(i32)',
    QTS_RuntimeSetMemoryLimit: '(i32,i32)->()',
    QTS_RuntimeSetMaxStackSize: '(i32,i32)->()',
    QTS_Eval: '(i32,i32,i32,i32,i32,i32)->(i32)',
    QTS_NewFunction: '(i32,i32,i32,i32,i32)->(i32)',
    QTS_Call: '(i32,i32,i32,i32,i32)->(i32)',
    QTS_SetProp: '(i32,i32,i32,i32)->()',
    QTS_NewFloat64: '(i32,f64)->(i32)',
  };
  for (const [fn, type] of Object.entries(expected)) assert.equal(exports.get(QUICKJS_EXPORTS[fn as keyof typeof QUICKJS_EXPORTS]), type, fn);
});

test('the module imports exactly what the FFI provides, with the signatures it was written for', () => {
  assert.deepEqual(Object.fromEntries(imports), {
    'a.a': 'memory 256 32768',
    'a.b': '(i32,i32,i32,i32)->()', // __assert_fail
    'a.c': '(i32,i32,i32,i32)->(i32)', // fd_write
    'a.d': '(i32)->(i32)', // fd_close
    'a.e': '(i32,i32)->(i32)', // environ_get
    'a.f': '(i32,i32)->(i32)', // environ_sizes_get
    'a.g': '(i32,i32,i32,i32)->(i32)', // qts_host_normalize_module
    'a.h': '(i32,i32,i32)->(i32)', // qts_host_load_module_source
    'a.i': '(i32)->(i32)', // qts_host_interrupt_handler
    'a.j': '(i32,f64)->(i32)', // _setitimer_js
    'a.k': '(i32)->(i32)', // emscripten_resize_heap
    'a.l': '()->()', // _emscripten_runtime_keepalive_clear
    'a.m': '(i64,i32)->()', // _localtime_js
    'a.n': '(i32,i32,i32,i32)->()', // _tzset_js
    'a.o': '(i32,i64,i32,i32)->(i32)', // fd_seek
    'a.p': '()->(f64)', // emscripten_date_now
    'a.q': '()->()', // abort
    'a.r': '(i32)->()', // proc_exit
    'a.s': '(i32,i32,i32,i32,i32)->(i32)', // qts_host_call_function
    'a.t': '(i32,i32)->()', // qts_host_ref_free
  });
});

test('the host callbacks are the imports the FFI routes them from', () => {
  const callbacks = Object.fromEntries([...glue.matchAll(/(\w+):function\([\w,]*\)\{(?:[\w=();]*?)(?:return )?c\.callbacks\.(\w+)\(/g)].map((m) => [m[2]!, m[1]!]));
  assert.deepEqual(callbacks, { callFunction: 's', shouldInterrupt: 'i', loadModuleSource: 'h', normalizeModule: 'g', freeHostRef: 't' });
  // The clock, the heap and the time zone, by what the glue's bodies do.
  assert.match(glue, /\bp:\(\)=>Date\.now\(\)/);
  assert.match(glue, /\bk:a=>\{var d=H\.length;a>>>=0;/);
  assert.match(glue, /\bm:function\(a,d\)\{a=-9007199254740992>a/);
  assert.match(glue, /\bn:\(a,d,b,e\)=>\{var f=\(new Date\)\.getFullYear\(\)/);
});
