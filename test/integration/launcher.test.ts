// bin/connect.cjs and its V8 code cache (dist/cli.cache): the cache the
// build made is used as it is, a run under other node options keeps a cache
// of its own, and a rejected cache is replaced. Each test works on a copy of
// bin/ and dist/ so the repository's own cache is never touched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, runProcess } from '../helpers/run.js';
import { requireBinary, tempDir } from '../helpers/process.js';
import { bannerServer } from '../helpers/fake-proxy.js';

function copyOfInstall(t: { after(fn: () => void): void }): string {
  const dir = tempDir('launcher');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(REPO_ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
  cpSync(join(REPO_ROOT, 'dist', 'cli.cjs'), join(dir, 'dist', 'cli.cjs'));
  cpSync(join(REPO_ROOT, 'dist', 'cli.cache'), join(dir, 'dist', 'cli.cache'));
  return dir;
}

async function version(dir: string, nodeArgs: string[] = [], env: Record<string, string> = {}): Promise<void> {
  const r = await runProcess(process.execPath, [...nodeArgs, join(dir, 'bin', 'connect.cjs'), '-V'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^Version 1\.105 /m);
}

/** The launcher's caches for cli.cjs (dist/pac.cache is the PAC code's, made under a PAC run's flags; dist/cold.cache the cold code's). */
const caches = (dir: string) => readdirSync(join(dir, 'dist')).filter((f) => f.endsWith('.cache') && f !== 'pac.cache' && f !== 'cold.cache').sort();
const cache = (dir: string, name = 'cli.cache') => readFileSync(join(dir, 'dist', name));

test('the code cache made by the build is accepted by a plain run (not rewritten)', async (t) => {
  const dir = copyOfInstall(t);
  const built = cache(dir);
  await version(dir);
  assert.deepEqual(caches(dir), ['cli.cache']);
  assert.ok(cache(dir).equals(built), 'V8 rejected the shipped cache, so the launcher rewrote it');
});

test('runs under node options keep a cache of their own; the shipped one is left alone', async (t) => {
  const dir = copyOfInstall(t);
  const built = cache(dir);
  await version(dir, ['--max-old-space-size=96']);
  await version(dir, [], { NODE_OPTIONS: '--max-old-space-size=97' });
  assert.ok(cache(dir).equals(built), 'a run with other V8 flags overwrote dist/cli.cache');
  const own = caches(dir).filter((f) => f !== 'cli.cache');
  assert.equal(own.length, 2, `expected one cache per option set, got ${own.join(', ')}`);
  // Each is accepted by the next run under the same options.
  const first = cache(dir, own[0]);
  const second = cache(dir, own[1]);
  await version(dir, ['--max-old-space-size=96']);
  await version(dir, [], { NODE_OPTIONS: '--max-old-space-size=97' });
  assert.ok(cache(dir, own[0]).equals(first) && cache(dir, own[1]).equals(second));
});

test('a cache V8 rejects is replaced by one it accepts', async (t) => {
  const dir = copyOfInstall(t);
  const built = cache(dir);
  const header = built.subarray(0, built.indexOf(0x0a) + 1);
  const corrupt = Buffer.concat([header, Buffer.alloc(built.length - header.length, 0x5a)]);
  writeFileSync(join(dir, 'dist', 'cli.cache'), corrupt);
  await version(dir);
  const replaced = cache(dir);
  assert.ok(!replaced.equals(corrupt), 'the rejected cache was kept');
  assert.ok(replaced.subarray(0, header.length).equals(header), 'the new cache names the same build');
  await version(dir);
  assert.ok(cache(dir).equals(replaced), 'the replacement was rejected too');
});

test('a cache with flipped bytes (header intact) is rejected and replaced, not run: no crash', async (t) => {
  const dir = copyOfInstall(t);
  const built = cache(dir);
  const header = built.subarray(0, built.indexOf(0x0a) + 1);
  const damaged = Buffer.from(built);
  // Past V8's own header (version, flags, source hash, length: under 100 bytes).
  for (let i = header.length + 100; i < damaged.length; i += 997) damaged[i]! ^= 0x55;
  writeFileSync(join(dir, 'dist', 'cli.cache'), damaged);
  await version(dir);
  const replaced = cache(dir);
  assert.ok(!replaced.equals(damaged), 'the damaged cache was kept');
  await version(dir);
  assert.ok(cache(dir).equals(replaced), 'the replacement was rejected too');
  const one = Buffer.from(replaced);
  one[Math.floor((header.length + one.length) / 2)]! ^= 0x01; // a single bit
  writeFileSync(join(dir, 'dist', 'cli.cache'), one);
  await version(dir);
  assert.ok(!cache(dir).equals(one), 'a one-bit flip went unnoticed');
});

test('a cache cut short (a torn write) or with bytes added at its end is rejected and replaced, not run', async (t) => {
  const dir = copyOfInstall(t);
  const built = cache(dir);
  // One byte and one 8-byte word short, and a zero word added: the checksum covers the length too.
  for (const damaged of [built.subarray(0, -1), built.subarray(0, -8), Buffer.concat([built, Buffer.alloc(8)])]) {
    writeFileSync(join(dir, 'dist', 'cli.cache'), damaged);
    await version(dir);
    const replaced = cache(dir);
    assert.ok(!replaced.equals(damaged), `a cache of ${damaged.length} bytes (built: ${built.length}) was kept`);
    await version(dir);
    assert.ok(cache(dir).equals(replaced), 'the replacement was rejected too');
  }
});

test('a run under another V8 than the build\'s keeps a cache of its own; the shipped one is left alone', async (t) => {
  const dir = copyOfInstall(t);
  const file = join(dir, 'dist', 'cli.cjs');
  const source = readFileSync(file, 'utf8');
  const firstLine = source.slice(0, source.indexOf('\n'));
  assert.match(firstLine, new RegExp(`^//build [0-9a-f]{16} ${process.versions.v8.replace(/\./g, '\\.')}$`));
  // As if another Node had built it: this node is then "another V8".
  writeFileSync(file, source.replace(firstLine, `${firstLine.slice(0, firstLine.lastIndexOf(' '))} 0.0.0-other`));
  const shipped = cache(dir);
  await version(dir);
  const own = caches(dir).filter((f) => f !== 'cli.cache');
  assert.equal(own.length, 1, caches(dir).join(', '));
  assert.ok(cache(dir).equals(shipped), 'the run overwrote dist/cli.cache');
  const mine = cache(dir, own[0]);
  await version(dir);
  assert.ok(cache(dir, own[0]).equals(mine), 'its own cache was rejected by the next run');
});

test('a run that changed V8 flags (a PAC script: WebAssembly flags) writes no cache; a plain run then does, and PAC runs accept it', async (t) => {
  const dir = tempDir('launcher');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(REPO_ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
  cpSync(join(REPO_ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  for (const name of [...caches(dir), 'pac.cache']) rmSync(join(dir, 'dist', name));
  writeFileSync(join(dir, 'direct.pac'), 'function FindProxyForURL(url, host) { return "DIRECT"; }');
  const target = await bannerServer('SSH-2.0-cache\r\n', { t, then: 'close' });
  const viaPac = async () => {
    const r = await runProcess(process.execPath, [join(dir, 'bin', 'connect.cjs'), '-x', `pac+file://${join(dir, 'direct.pac')}`, '127.0.0.1', String(target.port)]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'SSH-2.0-cache\r\n');
  };
  await viaPac();
  assert.deepEqual(caches(dir), [], 'a PAC run wrote a cache that plain runs would reject');
  const pacCode = cache(dir, 'pac.cache');
  await version(dir);
  const plain = cache(dir);
  await viaPac();
  assert.ok(cache(dir).equals(plain), 'a PAC run rewrote the plain runs\' cache');
  assert.ok(cache(dir, 'pac.cache').equals(pacCode), 'the PAC code\'s cache (made under a PAC run\'s flags) was rejected by the next PAC run');
});

test('a damaged code cache of the PAC code (dist/pac.cache) is rejected and replaced, not run: no crash', async (t) => {
  const dir = copyOfInstall(t);
  cpSync(join(REPO_ROOT, 'dist'), join(dir, 'dist'), { recursive: true }); // pac.cjs and its cache too
  const pac = join(dir, 'direct.pac');
  writeFileSync(pac, 'function FindProxyForURL(url, host) { return "DIRECT"; }\n');
  const explain = async () => {
    const r = await runProcess(process.execPath, [join(dir, 'bin', 'connect.cjs'), '--explain', '-x', `pac+file://${pac}`, 'h', '22']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.toString() + r.stderr, /returned "DIRECT"/);
  };
  const cacheFile = join(dir, 'dist', 'pac.cache');
  assert.ok(existsSync(cacheFile), 'the build made the PAC code\'s cache');
  const data = damage(cacheFile);
  await explain();
  assert.ok(!readFileSync(cacheFile).equals(data), 'the damaged cache was kept');
  const replaced = readFileSync(cacheFile);
  await explain();
  assert.ok(readFileSync(cacheFile).equals(replaced), 'the replacement was rejected in turn (made under other V8 flags?)');
});

test('a session runs from cli.cjs alone; --help loads dist/cold.cjs, and a damaged cold.cache is rejected and replaced, not run: no crash', async (t) => {
  const dir = copyOfInstall(t); // cli.cjs and its cache only
  const target = await bannerServer('SSH-2.0-cold\r\n', { t, then: 'close' });
  const session = await runProcess(process.execPath, [join(dir, 'bin', 'connect.cjs'), '127.0.0.1', String(target.port)]);
  assert.equal(session.stdout.toString(), 'SSH-2.0-cold\r\n', session.stderr);
  const help = () => runProcess(process.execPath, [join(dir, 'bin', 'connect.cjs'), '--help']);
  assert.notEqual((await help()).code, 0, '--help ran without dist/cold.cjs: the cold code is still in cli.cjs');
  cpSync(join(REPO_ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  const cacheFile = join(dir, 'dist', 'cold.cache');
  assert.ok(existsSync(cacheFile), 'the build made the cold code\'s cache');
  const data = damage(cacheFile);
  for (let i = 0; i < 2; i++) {
    const r = await help();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.toString(), /^usage: /m);
  }
  assert.ok(!readFileSync(cacheFile).equals(data), 'the damaged cache was kept');
});

/** Flips a byte in every 997 from offset 200 on, in place; returns the damaged bytes. */
function damage(file: string): Buffer {
  const data = Buffer.from(readFileSync(file));
  for (let i = 200; i < data.length; i += 997) data[i]! ^= 0x55;
  writeFileSync(file, data);
  return data;
}

/** Skip reason for a private mount and network namespace (root and unshare). */
const namespaceSkip = () => (process.getuid?.() !== 0 ? 'needs root for private mount and network namespaces' : requireBinary('unshare'));

test('a damaged code cache of a vendored file (tldts, WPAD\'s public suffix list) is rejected and replaced, not run: no crash', { skip: namespaceSkip() }, async (t) => {
  const dir = copyOfInstall(t);
  cpSync(join(REPO_ROOT, 'dist'), join(dir, 'dist'), { recursive: true }); // the vendored files too
  for (const name of readdirSync(join(dir, 'dist', 'vendor')).filter((f) => f.endsWith('.cache'))) rmSync(join(dir, 'dist', 'vendor', name));
  // WPAD for a test domain, in a network namespace of its own (nothing to reach: the lookup fails at once).
  const resolvConf = join(dir, 'resolv.conf');
  writeFileSync(resolvConf, 'domain connect-test.invalid\n');
  const explain = async () => {
    const script = 'mount --bind "$1" /etc/resolv.conf && exec "$2" "$3" --explain -x wpad h 22';
    const r = await runProcess('unshare', ['-m', '-n', 'sh', '-c', script, 'sh', resolvConf, process.execPath, join(dir, 'bin', 'connect.cjs')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.toString() + r.stderr, /WPAD found no PAC file for connect-test\.invalid \(http:\/\/wpad\.connect-test\.invalid\/wpad\.dat: /);
  };
  const cacheFile = join(dir, 'dist', 'vendor', 'tldts.cache');
  await explain();
  assert.ok(existsSync(cacheFile), 'the first WPAD run made tldts\'s cache');
  const data = damage(cacheFile);
  await explain();
  assert.ok(!readFileSync(cacheFile).equals(data), 'the damaged cache was kept');
  await explain();
});

/**
 * Node's modules loaded by the end of a `-V` run, as a preload (`-r`) sees
 * them at exit; `hide` first removes process.binding, as Node's permission
 * model or a later Node may.
 */
async function modulesOfRun(dir: string, hide: boolean): Promise<string[]> {
  const preload = join(dir, hide ? 'no-binding.cjs' : 'watch.cjs');
  writeFileSync(preload, `${hide ? 'process.binding = undefined;\n' : ''}process.on('exit', () => process.stderr.write('modules ' + JSON.stringify(process.moduleLoadList) + '\\n'));\n`);
  const r = await runProcess(process.execPath, ['-r', preload, join(dir, 'bin', 'connect.cjs'), '-V']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^Version 1\.105 /m);
  return JSON.parse(/^modules (.*)$/m.exec(r.stderr)![1]!) as string[];
}

test('the bundle compiles through node:vm\'s binding and checks its cache through zlib\'s, loading neither node:vm nor node:zlib; without process.binding, those two do it, and each run\'s cache is accepted', async (t) => {
  const dir = copyOfInstall(t);
  const shipped = cache(dir);
  for (const hide of [false, true]) {
    const modules = await modulesOfRun(dir, hide);
    assert.equal(modules.includes('NativeModule vm'), hide, hide ? 'node:vm was not the fallback' : 'node:vm was loaded on this Node');
    assert.equal(modules.includes('NativeModule zlib'), hide, hide ? 'node:zlib was not the checksum\'s fallback' : 'node:zlib was loaded on this Node');
    const own = caches(dir).filter((f) => f !== 'cli.cache'); // -r is a node option: a cache of its own
    assert.equal(own.length, hide ? 2 : 1, caches(dir).join(', '));
  }
  const before = caches(dir).map((f) => cache(dir, f));
  await modulesOfRun(dir, false);
  await modulesOfRun(dir, true);
  assert.deepEqual(caches(dir).map((f) => cache(dir, f)), before, 'a cache written by one path was rejected by the next run on it');
  assert.ok(cache(dir).equals(shipped));
});
