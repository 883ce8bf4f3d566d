// The memory image of QuickJS set up for PAC runs (src/pac/image.ts): what
// it may hold (the module keeps no state outside memory but its stack
// pointer), what it must not (Math.random's seed, the time zone), and a
// missing, stale or damaged image falling back to the fresh set-up, in the
// sandbox and in a session of the built CLI. Then images of evaluated
// scripts (src/pac/script-image.ts): made only when the script's top level
// depended on its text alone, kept by the user under the PAC cache's rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, cpSync, lstatSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { IMAGE_SECTION, imageOf, makeImage, openImage, withImage } from '../../src/pac/image.js';
import { askPac, type PacQuestion } from '../../src/pac/run.js';
import { loadPacEngine, type PacEngine } from '../../src/pac/sandbox.js';
import { userScriptImages, type ScriptImages } from '../../src/pac/script-image.js';
import { compileQuickJs } from '../../src/pac/wasm.js';
import { REPO_ROOT, runProcess } from '../helpers/run.js';
import { tempDir } from '../helpers/process.js';
import { bannerServer } from '../helpers/fake-proxy.js';

const ID = 'pac-image-test';
const module = await compileQuickJs();
const image = makeImage(module, ID);
const restored = () => loadPacEngine({ image: { bytes: image, buildId: ID } });

function question(source: string, over: Partial<PacQuestion> = {}): PacQuestion {
  return {
    source: `function FindProxyForURL(url, host) { ${source} }`,
    name: 'test.pac',
    url: 'https://target.example:22/',
    host: 'target.example',
    timeoutMs: 10_000,
    lookup: async () => [],
    myAddresses: async () => [],
    ...over,
  };
}

const answer = async (engine: PacEngine, source: string, over: Partial<PacQuestion> = {}) => (await askPac(engine, question(source, over))).result;

/** The global section (WebAssembly core spec §5.5.9): each global's type and mutability. */
function globals(bytes: Uint8Array): { type: number; mutable: boolean }[] {
  let p = 8;
  const u = () => {
    let r = 0;
    for (let s = 0; ; s += 7) {
      const x = bytes[p++]!;
      r |= (x & 0x7f) << s;
      if (!(x & 0x80)) return r >>> 0;
    }
  };
  while (p < bytes.length) {
    const id = bytes[p++]!;
    const end = u() + p;
    if (id === 6) return Array.from({ length: u() }, () => {
      const g = { type: bytes[p++]!, mutable: bytes[p++] === 1 };
      while (bytes[p++] !== 0x0b); // the constant initialiser, up to `end`
      return g;
    });
    p = end;
  }
  return [];
}

test('the module keeps its state in memory: one global (the stack pointer, a mutable i32), and only functions exported', () => {
  const wasm = readFileSync(createRequire(import.meta.url).resolve('@jitl/quickjs-wasmfile-release-sync/wasm'));
  assert.deepEqual(globals(wasm), [{ type: 0x7f, mutable: true }]);
  const kinds = new Set(WebAssembly.Module.exports(new WebAssembly.Module(wasm)).map((e) => e.kind));
  assert.deepEqual([...kinds], ['function'], 'no memory, table or global is exported');
});

test('the image is the same for every build of the same sources, and holds no clock: two makings are identical', () => {
  assert.ok(Buffer.from(makeImage(module, ID)).equals(Buffer.from(image)));
});

test('a restored engine answers as a fresh one, its limits applied again', async () => {
  const engine = await restored();
  assert.equal(engine.fromImage, true);
  assert.equal(engine.setUpBy, 'from its image');
  const probe = 'return [typeof isInNet, typeof dnsResolve, typeof process, shExpMatch(host, "*.example"), isPlainHostName(host)].join(",");';
  assert.equal(await answer(engine, probe), await answer(await loadPacEngine({ image: null }), probe));
  assert.equal(await answer(engine, probe), 'function,function,undefined,true,false');
  await assert.rejects(askPac(engine, question('var a = [], i = 0; for (;;) a.push(new Array(1e6).fill(i++));')), /ran out of memory|did not finish/);
  await assert.rejects(askPac(engine, question('function f() { return f() + 1; } return f();')), /exhausted/);
  await assert.rejects(askPac(engine, question('for (;;) {}', { timeoutMs: 300 })), /did not finish/);
});

test('Math.random does not repeat across restored engines or runs (each restore writes a fresh seed)', async () => {
  const draw = async (engine: PacEngine) => answer(engine, 'return String(Math.random()) + "," + Math.random();');
  const [a, b] = [await restored(), await restored()];
  const seen = [await draw(a), await draw(b), await draw(a), await draw(b)];
  assert.equal(new Set(seen).size, 4, seen.join(' '));
});

test('a restored engine follows the time zone of the process (the image holds none): Date and timeRange under three TZ values', async () => {
  const saved = process.env.TZ;
  const now = new Date(Date.UTC(2026, 6, 1, 12, 30));
  const probe = 'var d = new Date(Date.UTC(2026, 6, 1, 12, 30)); return [d.getHours(), d.getTimezoneOffset(), new Date(2026, 0, 1).getTimezoneOffset(), timeRange(8), timeRange(12)].join(",");';
  try {
    for (const [tz, expected] of [['America/New_York', '8,240,300,true,false'], ['UTC', '12,0,0,false,true'], ['Asia/Tokyo', '21,-540,-540,false,false']] as const) {
      process.env.TZ = tz;
      assert.equal(await answer(await restored(), probe, { now: () => now }), expected, tz);
    }
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});

test('a missing, stale or damaged image is refused, and the engine sets QuickJS up afresh and works', async () => {
  const damaged = Uint8Array.from(image);
  damaged[damaged.length - 100]! ^= 0x01;
  const cases: [string, Parameters<typeof loadPacEngine>[0], string][] = [
    ['missing', { image: null }, 'afresh (no image)'],
    ['missing (a module without one)', {}, 'afresh (no image)'],
    ['stale (another build)', { image: { bytes: image, buildId: `${ID}-other` } }, 'afresh (an image of another build)'],
    ['damaged', { image: { bytes: damaged, buildId: ID } }, 'afresh (a damaged image)'],
    ['truncated', { image: { bytes: image.subarray(0, image.length - 4096), buildId: ID } }, 'afresh (a damaged image)'],
    ['not an image', { image: { bytes: new Uint8Array(100), buildId: ID } }, 'afresh (not an image)'],
  ];
  for (const [what, options, setUpBy] of cases) {
    const engine = await loadPacEngine(options);
    assert.equal(engine.fromImage, false, what);
    assert.equal(engine.setUpBy, setUpBy, what);
    assert.equal(await answer(engine, 'return "PROXY p:1; " + isPlainHostName(host);'), 'PROXY p:1; false', what);
  }
  assert.equal(typeof openImage(image, ID), 'object');
});

test('the image travels in a custom section of the module, which compiles as before', () => {
  const wasm = readFileSync(createRequire(import.meta.url).resolve('@jitl/quickjs-wasmfile-release-sync/wasm'));
  assert.equal(imageOf(module), undefined, 'the package\'s own module has none');
  const carrying = new WebAssembly.Module(withImage(wasm, image));
  assert.ok(Buffer.from(imageOf(carrying)!).equals(Buffer.from(image)));
  assert.equal(WebAssembly.Module.customSections(carrying, IMAGE_SECTION).length, 1);
  assert.deepEqual(WebAssembly.Module.imports(carrying), WebAssembly.Module.imports(module));
});

test('the built CLI restores the build\'s image, then the script\'s own; a missing, stale or damaged build image falls back silently', async (t) => {
  const dir = tempDir('pac-image');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(REPO_ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
  cpSync(join(REPO_ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  const target = await bannerServer('SSH-2.0-image\r\n', { t, then: 'close' });
  const pac = join(dir, 'direct.pac');
  writeFileSync(pac, 'function FindProxyForURL(url, host) { return "DIRECT"; }\n');
  const env = { XDG_CACHE_HOME: join(dir, 'cache') };
  /** A session's -d line on the set-up; and a session without -d says nothing on stderr. */
  const setUp = async () => {
    const r = await runProcess(process.execPath, [join(dir, 'bin', 'connect.cjs'), '-d', '-x', `pac+file://${pac}`, '127.0.0.1', String(target.port)], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'SSH-2.0-image\r\n');
    return /QuickJS set up (.*)\)$/m.exec(r.stderr)?.[1];
  };
  const quiet = async () => {
    const r = await runProcess(process.execPath, [join(dir, 'bin', 'connect.cjs'), '-x', `pac+file://${pac}`, '127.0.0.1', String(target.port)], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', 'the fallback is silent');
  };
  const wasmFile = join(dir, 'dist', 'quickjs.wasm');
  const shipped = readFileSync(wasmFile);
  const built = imageOf(new WebAssembly.Module(shipped));
  assert.ok(built, 'the build put an image into dist/quickjs.wasm');
  assert.equal(await setUp(), 'from its image (the script\'s own: none kept)');
  assert.equal(await setUp(), 'from the script\'s own image');
  writeFileSync(pac, 'function FindProxyForURL(url, host) { return "DIRECT" + ""; }\n');
  assert.equal(await setUp(), 'from its image (the script\'s own: an image of another script)');
  assert.equal(await setUp(), 'from the script\'s own image');
  const original = readFileSync(createRequire(import.meta.url).resolve('@jitl/quickjs-wasmfile-release-sync/wasm'));
  assert.ok(shipped.subarray(0, original.length).equals(original), 'dist/quickjs.wasm is the package\'s module with the image after it');
  writeFileSync(wasmFile, original);
  assert.equal(await setUp(), 'afresh (no image)');
  await quiet();
  writeFileSync(wasmFile, withImage(original, makeImage(module, 'another-build')));
  assert.equal(await setUp(), 'afresh (an image of another build)');
  await quiet();
  const damaged = Buffer.from(shipped);
  damaged[shipped.length - 1]! ^= 0x01;
  writeFileSync(wasmFile, damaged);
  assert.equal(await setUp(), 'afresh (a damaged image)');
  await quiet();
});

// ------------------------------------------------------- images of scripts

/** A store in memory (the user's writes at exit: src/pac/script-image.ts). */
function memoryStore(): ScriptImages & { files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>();
  return { files, read: (name) => files.get(name), writable: () => true, write: (name, make) => void files.set(name, make()) };
}

const withStore = (scripts: ScriptImages) => loadPacEngine({ image: { bytes: image, buildId: ID }, scripts });

test('a script whose top level depends on its text alone is kept as an image, and later engines run from it alike', async () => {
  const store = memoryStore();
  const body = 'var direct = ["intranet.example"]; function FindProxyForURL(url, host) { return (dnsDomainIs(host, direct[0]) || isInNet(dnsResolve(host), "10.0.0.0", "255.0.0.0")) ? "DIRECT" : "PROXY p:1"; }';
  const q = (over: Partial<PacQuestion> = {}): PacQuestion => ({ ...question(''), source: body, lookup: async (n) => (n === 'target.example' ? ['10.1.2.3'] : []), ...over });
  const first = await withStore(store);
  assert.deepEqual(await askPac(first, q()), { result: 'DIRECT', runs: 2 });
  assert.equal(first.setUpBy, "from its image (the script's own: made now)");
  assert.deepEqual([...store.files.keys()], ['test.pac']);
  const second = await withStore(store);
  assert.deepEqual(await askPac(second, q()), { result: 'DIRECT', runs: 2 });
  assert.equal(second.setUpBy, "from the script's own image");
  assert.deepEqual(await askPac(await withStore(store), q({ lookup: async () => ['192.0.2.1'] })), { result: 'PROXY p:1', runs: 2 });
  // Another text under the same name: not that image; a new one replaces it.
  const old = store.files.get('test.pac');
  const other = await withStore(store);
  await askPac(other, q({ source: body.replace('PROXY p:1', 'PROXY p:2') }));
  assert.equal(other.setUpBy, "from its image (the script's own: made now)");
  assert.notEqual(store.files.get('test.pac'), old, 'the image of the old text was not used, and was replaced');
  const again = await withStore(store);
  const changed = () => q({ source: body.replace('PROXY p:1', 'PROXY p:2'), lookup: async () => [] });
  assert.deepEqual(await askPac(again, changed()), await askPac(await loadPacEngine({ image: null }), changed()));
  assert.equal(again.setUpBy, "from the script's own image");
});

test('no image of a script whose top level read the clock, the time zone or Math.random, called a PAC function, or threw', async () => {
  const tops = ['var t = Date.now();', 'var d = new Date();', 'var d = new Date(2026, 0, 1);', 'var s = new Date(0).toString();', 'var r = Math.random();',
    'var me = myIpAddress();', 'var plain = isPlainHostName("x");', 'alert("loaded");', 'throw new Error("top");'];
  for (const top of tops) {
    const store = memoryStore();
    const engine = await withStore(store);
    await askPac(engine, { ...question(''), source: `${top} function FindProxyForURL(url, host) { return "DIRECT"; }`, myAddresses: async () => ['192.0.2.7'] }).catch(() => {});
    assert.equal(store.files.size, 0, top);
  }
  const store = memoryStore();
  await askPac(await withStore(store), { ...question(''), source: 'var d = Date.UTC(2026, 0, 1), j = JSON.parse("[1]"); function FindProxyForURL(url, host) { return "DIRECT " + new Date().getTime() + Math.random(); }' });
  assert.equal(store.files.size, 1, 'pure top level (the clock and Math.random read only inside FindProxyForURL)');
});

test('a script\'s image gives fresh Math.random values and the process\'s time zone at every run; a damaged one is refused', async () => {
  const store = memoryStore();
  const source = 'function FindProxyForURL(url, host) { var d = new Date(Date.UTC(2026, 6, 1, 12, 30)); return [Math.random(), d.getHours(), timeRange(8)].join(","); }';
  const now = new Date(Date.UTC(2026, 6, 1, 12, 30));
  const ask = async () => (await askPac(await withStore(store), { ...question(''), source, now: () => now })).result;
  await ask();
  assert.equal(store.files.size, 1);
  const saved = process.env.TZ;
  try {
    process.env.TZ = 'America/New_York';
    const [a, b] = [await ask(), await ask()];
    assert.notEqual(a.split(',')[0], b.split(',')[0], 'Math.random repeated');
    assert.deepEqual(a.split(',').slice(1), ['8', 'true']);
    process.env.TZ = 'UTC';
    assert.deepEqual((await ask()).split(',').slice(1), ['12', 'false']);
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
  const kept = store.files.get('test.pac')!;
  kept[kept.length - 1]! ^= 0x01;
  const engine = await withStore(store);
  assert.match((await askPac(engine, { ...question(''), source, now: () => now })).result, /^0\.\d+,12,false$/);
  assert.equal(engine.setUpBy, "from its image (the script's own: a damaged image)");
});

test('the user\'s images: private files in private directories, read only when ours, private and real files', { skip: process.getuid?.() !== 0 ? 'changing owners needs root' : undefined }, async (t) => {
  const dir = tempDir('pac-image-user');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const target = await bannerServer('SSH-2.0-image\r\n', { t, then: 'close' });
  const pac = join(dir, 'p.pac');
  writeFileSync(pac, 'function FindProxyForURL(url, host) { return "DIRECT"; }\n');
  const xdg = join(dir, 'cache');
  const setUp = async () => {
    const r = await runProcess(process.execPath, [join(REPO_ROOT, 'bin', 'connect.cjs'), '-d', '-x', `pac+file://${pac}`, '127.0.0.1', String(target.port)], { env: { XDG_CACHE_HOME: xdg } });
    assert.equal(r.code, 0, r.stderr);
    return /QuickJS set up (.*)\)$/m.exec(r.stderr)?.[1];
  };
  const none = "from its image (the script's own: none kept)";
  assert.equal(await setUp(), none);
  const pacDir = join(xdg, 'connect', 'pac');
  for (const d of [join(xdg, 'connect'), pacDir]) assert.equal(statSync(d).mode & 0o777, 0o700, d);
  const [name] = readdirSync(pacDir);
  assert.match(name!, /^image-[0-9a-f]{16}\.qjs$/);
  const file = join(pacDir, name!);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(await setUp(), "from the script's own image");
  chmodSync(file, 0o644);
  assert.equal(await setUp(), none, 'a file others may read is refused');
  // The refused one was replaced by a private one.
  assert.equal(statSync(file).mode & 0o777, 0o600);
  chownSync(file, 65534, 65534);
  assert.equal(await setUp(), none, 'a file not ours is refused');
  const kept = readFileSync(file);
  rmSync(file);
  writeFileSync(join(dir, 'planted.qjs'), kept, { mode: 0o600 });
  symlinkSync(join(dir, 'planted.qjs'), file);
  assert.equal(await setUp(), none, 'a symlink is refused');
  assert.ok(readFileSync(join(dir, 'planted.qjs')).equals(kept), 'nothing written through the symlink');
  assert.equal(lstatSync(file).isSymbolicLink(), false, 'the link itself was replaced');
  assert.equal(userScriptImages(pacDir).writable(), true);
  assert.equal(userScriptImages(join(dir, 'elsewhere', 'connect', 'pac')).writable(), true, 'not made yet, in a directory of ours');
  chmodSync(pacDir, 0o777);
  assert.equal(userScriptImages(pacDir).writable(), false, 'a directory others may write: no image is even made');
  const before = statSync(file);
  assert.equal(await setUp(), none, 'a directory others may write is refused');
  const after = statSync(file);
  assert.deepEqual([after.ino, after.mtimeMs], [before.ino, before.mtimeMs], 'nothing written into a shared directory');
});
