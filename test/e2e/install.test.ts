// Installing beside connect.c (README "Install"): Debian's connect-proxy
// owns /usr/bin/connect, so a global install into prefix /usr fails with
// EEXIST; the README's install into a prefix that PATH puts first
// (/usr/local) works and leaves connect.c alone. Both are shown here in
// temporary prefixes (the machine's own /usr and /usr/local are never
// touched): `connect -V`, `connect-proxy-command -V` and `man connect` from
// the installed copy, connect.c's /usr/bin/connect unchanged, uninstall clean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, runProcess, type RunResult } from '../helpers/run.js';
import { binary, requireBinary, tempDir } from '../helpers/process.js';

const skip = requireBinary('connect-proxy') ?? requireBinary('man') ?? requireBinary('npm');
const OURS = /^Version 1\.105 \(connect for Node\.js /m;

/**
 * What npm needs from the machine's environment to reach its registry: the
 * cache (where `npm ci` left the tarballs), and the trust and proxy settings
 * of a network that intercepts TLS (without its CA, every request fails
 * with SELF_SIGNED_CERT_IN_CHAIN and is retried until the timeout).
 */
const NPM_ENV = ['npm_config_cache', 'npm_config_cafile', 'npm_config_registry', 'npm_config_proxy', 'npm_config_https_proxy', 'NODE_EXTRA_CA_CERTS'];

async function sh(file: string, args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  const npmEnv = Object.fromEntries(NPM_ENV.map((name) => [name, process.env[name]]));
  return runProcess(file, args, { env: { HOME: process.env.HOME, ...npmEnv, ...env }, timeoutMs: 120_000 });
}

async function packed(dir: string): Promise<string> {
  const r = await sh(binary('npm'), ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir, REPO_ROOT]);
  assert.equal(r.code, 0, r.stderr);
  return join(dir, r.stdout.toString().trim().split('\n').pop()!);
}

const npmGlobal = (prefix: string, ...args: string[]) =>
  sh(binary('npm'), [...args, '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund']);

test('beside connect.c: EEXIST where connect.c owns bin/connect; the README\'s prefix install works', { skip }, async (t) => {
  const dir = tempDir('install');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tarball = await packed(dir);

  // Prefix like Debian's /usr: bin/connect is connect-proxy's symlink.
  const usr = join(dir, 'usr');
  mkdirSync(join(usr, 'bin'), { recursive: true });
  symlinkSync(binary('connect-proxy'), join(usr, 'bin', 'connect'));
  const clash = await npmGlobal(usr, 'install', tarball);
  assert.notEqual(clash.code, 0, 'npm installed over connect.c\'s bin/connect');
  assert.match(clash.stderr, /EEXIST/);
  assert.equal(readlinkSync(join(usr, 'bin', 'connect')), binary('connect-proxy'), 'connect.c\'s link was changed');

  // The README's way: a prefix of its own (/usr/local there), first on PATH.
  const local = join(dir, 'local');
  const installed = await npmGlobal(local, 'install', tarball);
  assert.equal(installed.code, 0, installed.stderr);
  const PATH = `${join(local, 'bin')}:${join(usr, 'bin')}:/usr/bin:/bin`;
  for (const name of ['connect', 'connect-proxy-command']) {
    const v = await sh('/bin/sh', ['-c', `${name} -V`], { PATH });
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stderr, OURS, `${name} -V`);
  }
  const page = await sh('/bin/sh', ['-c', 'man -w connect && man connect | head -n 8'], { PATH, MANPAGER: 'cat', PAGER: 'cat' });
  assert.equal(page.code, 0, page.stderr);
  assert.ok(page.stdout.toString().startsWith(join(local, 'lib', 'node_modules', 'connect-proxy-command', 'man', 'connect.1')), page.stdout.toString());
  assert.match(page.stdout.toString(), /SSH\s+proxy\s+command\s+through\s+SOCKS4\/4a\/5/);
  const alias = await sh('/bin/sh', ['-c', 'man connect-proxy-command | head -n 8'], { PATH, MANPAGER: 'cat', PAGER: 'cat' });
  assert.match(alias.stdout.toString(), /SSH\s+proxy\s+command/, alias.stderr);

  // connect.c is still there, under its own name and behind our PATH entry.
  const c = await sh(join(usr, 'bin', 'connect'), ['-V']);
  assert.doesNotMatch(c.stderr, OURS);
  assert.match(c.stderr, /Version 1\.105/);

  const removed = await npmGlobal(local, 'uninstall', 'connect-proxy-command');
  assert.equal(removed.code, 0, removed.stderr);
  assert.ok(!existsSync(join(local, 'bin', 'connect')) && !existsSync(join(local, 'share', 'man', 'man1', 'connect.1')));
  assert.ok(lstatSync(join(usr, 'bin', 'connect')).isSymbolicLink());
});
