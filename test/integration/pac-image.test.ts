// The memory image of QuickJS set up for PAC runs (src/pac/image.ts): what
// it may hold (the module keeps no state outside memory but its stack
// pointer), what it must not (Math.random's seed, the time zone), and a
// missing, stale or damaged image falling back to the fresh set-up, in the
// sandbox and in a session of the built CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { IMAGE_SECTION, imageOf, makeImage, openImage, withImage } from '../../src/pac/image.js';
import { askPac, type PacQuestion } from '../../src/pac/run.js';
import { loadPacEngine, type PacEngine } from '../../src/pac/sandbox.js';
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

test('the built CLI restores the build\'s image; a missing, stale or damaged one in dist/quickjs.wasm falls back silently', async (t) => {
  const dir = tempDir('pac-image');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(REPO_ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
  cpSync(join(REPO_ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  const target = await bannerServer('SSH-2.0-image\r\n', { t, then: 'close' });
  const pac = join(dir, 'direct.pac');
  writeFileSync(pac, 'function FindProxyForURL(url, host) { return "DIRECT"; }\n');
  const session = async (expected: string) => {
    const r = await runProcess(process.execPath, [join(dir, 'bin', 'connect.cjs'), '-d', '-x', `pac+file://${pac}`, '127.0.0.1', String(target.port)]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'SSH-2.0-image\r\n');
    assert.ok(r.stderr.includes(`QuickJS set up ${expected})`), r.stderr);
    const quiet = await runProcess(process.execPath, [join(dir, 'bin', 'connect.cjs'), '-x', `pac+file://${pac}`, '127.0.0.1', String(target.port)]);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stderr, '', 'the fallback is silent');
  };
  const wasmFile = join(dir, 'dist', 'quickjs.wasm');
  const shipped = readFileSync(wasmFile);
  const built = imageOf(new WebAssembly.Module(shipped));
  assert.ok(built, 'the build put an image into dist/quickjs.wasm');
  await session('from its image');
  const original = readFileSync(createRequire(import.meta.url).resolve('@jitl/quickjs-wasmfile-release-sync/wasm'));
  assert.ok(shipped.subarray(0, original.length).equals(original), 'dist/quickjs.wasm is the package\'s module with the image after it');
  writeFileSync(wasmFile, original);
  await session('afresh (no image)');
  writeFileSync(wasmFile, withImage(original, makeImage(module, 'another-build')));
  await session('afresh (an image of another build)');
  const damaged = Buffer.from(shipped);
  damaged[shipped.length - 1]! ^= 0x01;
  writeFileSync(wasmFile, damaged);
  await session('afresh (a damaged image)');
});
