// The on-disk PAC cache, end to end: our CLI against a PAC server on
// loopback that counts its requests, each test with a private
// XDG_CACHE_HOME (never the real user's cache). A second run uses the
// cache (one request), an expired entry is revalidated or refetched, a
// failed fetch uses an expired copy only within its window, a torn or
// tampered entry is ignored, the files are private, a directory or file
// that is not ours is refused, and `off` never writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type OutgoingHttpHeaders } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEntry, encodeEntry, entryFileName, standing, urlKey, type CacheEntry } from '../../src/pac/cache-entry.js';
import { bannerServer } from '../helpers/fake-proxy.js';
import { runConnect, type RunResult } from '../helpers/run.js';
import { tempDir, type Teardown } from '../helpers/process.js';
import { testCa } from '../helpers/test-ca.js';

const pac = (answer: string) => `function FindProxyForURL(url, host) { return "${answer}"; }`;

interface PacServer {
  /** pac+http://127.0.0.1:PORT/proxy.pac */
  url: string;
  /** The script's URL as the cache keys it (without pac+). */
  key: string;
  hits: { inm?: string; ims?: string }[];
  /** What the next answers are. */
  answer: { status: number; headers: OutgoingHttpHeaders; body: string };
  close(): Promise<void>;
}

async function servePac(t: Teardown): Promise<PacServer> {
  const state: PacServer['answer'] = { status: 200, headers: {}, body: pac('DIRECT') };
  const hits: PacServer['hits'] = [];
  const server = createServer((req, res) => {
    const inm = req.headers['if-none-match'];
    const ims = req.headers['if-modified-since'];
    hits.push({ ...(inm !== undefined && { inm }), ...(ims !== undefined && { ims }) });
    const etag = state.headers['etag'];
    if (etag !== undefined && inm === etag) {
      res.writeHead(304, { etag });
      res.end();
      return;
    }
    res.writeHead(state.status, state.headers);
    res.end(state.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let closed = false;
  const close = () => (closed ? Promise.resolve() : new Promise<void>((resolve) => { closed = true; server.closeAllConnections(); server.close(() => resolve()); }));
  t.after(close);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/proxy.pac`;
  return { url: `pac+${base}`, key: urlKey(base), hits, answer: state, close };
}

/** A target that sends a banner and closes. */
async function bannerTarget(t: Teardown, banner: string): Promise<number> {
  return (await bannerServer(banner, { t, then: 'close' })).port;
}

function cacheHome(t: Teardown): string {
  const dir = tempDir('pac-cache');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const pacDir = (xdg: string) => join(xdg, 'connect', 'pac');
const entryFiles = (xdg: string) => (existsSync(pacDir(xdg)) ? readdirSync(pacDir(xdg)).filter((n) => n.endsWith('.pac')) : []);

function readOnlyEntry(xdg: string, key: string): { path: string; entry: CacheEntry } {
  const files = entryFiles(xdg);
  assert.equal(files.length, 1, `one entry: ${files.join(' ')}`);
  const path = join(pacDir(xdg), files[0]!);
  const entry = decodeEntry(readFileSync(path), key);
  assert.equal(typeof entry, 'object', String(entry));
  return { path, entry: entry as CacheEntry };
}

/** Moves the entry's fetch time `seconds` into the past (re-encoded, so its checksum holds). */
function ageEntry(xdg: string, key: string, seconds: number): void {
  const { path, entry } = readOnlyEntry(xdg, key);
  writeFileSync(path, encodeEntry({ ...entry, fetchedAt: entry.fetchedAt - seconds * 1000 }));
}

function explain(xdg: string, url: string, extra: string[] = [], env: Record<string, string> = {}): Promise<RunResult> {
  return runConnect([...extra, '--explain', '-x', url, 'target.example', '22'], { env: { XDG_CACHE_HOME: xdg, ...env } });
}

/** The --explain line that says where the script came from. */
function fromLine(r: RunResult): string {
  assert.equal(r.code, 0, r.stderr);
  return /^ {2}from (.*)$/m.exec(r.stdout.toString())?.[1] ?? `(no from line in ${r.stdout.toString()})`;
}

test('a second run takes the script from the cache: one request; the session works; -d and --explain say where it came from', async (t) => {
  const xdg = cacheHome(t);
  const server = await servePac(t);
  const port = await bannerTarget(t, 'SSH-2.0-cached\r\n');
  const env = { env: { XDG_CACHE_HOME: xdg } };
  const first = await runConnect(['-d', '-x', server.url, '127.0.0.1', String(port)], env);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout.toString(), 'SSH-2.0-cached\r\n');
  assert.match(first.stderr, /PAC script pac\+http:\/\/127\.0\.0\.1:\d+\/proxy\.pac from the network; kept 300 s\n/);
  const second = await runConnect(['-d', '-x', server.url, '127.0.0.1', String(port)], env);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.stdout.toString(), 'SSH-2.0-cached\r\n');
  assert.match(second.stderr, /PAC script pac\+http:\/\/\S+ from the cache \(fetched \d+ s ago, fresh \d+ s more\)\n/);
  assert.match(fromLine(await explain(xdg, server.url)), /^the cache \(fetched \d+ s ago, fresh \d+ s more\)$/);
  assert.equal(server.hits.length, 1, 'the server saw one request');
  const explained = await explain(xdg, server.url);
  assert.match(explained.stdout.toString(), new RegExp(`pac cache 300 s at most, in ${pacDir(xdg).replace(/[.]/g, '\\.')} \\(XDG_CACHE_HOME\\) \\(default\\)`));
});

test('the cache is private: directories 0700, entries 0600, nothing else left behind', async (t) => {
  const xdg = cacheHome(t);
  const server = await servePac(t);
  fromLine(await explain(xdg, server.url));
  for (const dir of [join(xdg, 'connect'), pacDir(xdg)]) assert.equal(statSync(dir).mode & 0o777, 0o700, dir);
  // The entry, and the image of the script evaluated (src/pac/script-image.ts).
  const names = readdirSync(pacDir(xdg)).sort();
  assert.equal(names.length, 2, names.join(' '));
  assert.match(names[0]!, /^image-[0-9a-f]{16}\.qjs$/);
  assert.match(names[1]!, /^url-[0-9a-f]{16}\.pac$/);
  for (const name of names) assert.equal(statSync(join(pacDir(xdg), name)).mode & 0o777, 0o600, name);
  assert.equal(readOnlyEntry(xdg, server.key).entry.text, pac('DIRECT'));
});

test('an expired entry is fetched again: conditionally with its ETag (a 304 renews it), in full once the script changed', async (t) => {
  const xdg = cacheHome(t);
  const server = await servePac(t);
  server.answer.headers = { etag: '"v1"' };
  assert.equal(fromLine(await explain(xdg, server.url)), 'the network; kept 300 s');
  ageEntry(xdg, server.key, 301);
  assert.equal(fromLine(await explain(xdg, server.url)), 'the cache, revalidated (304 Not Modified); kept 300 s');
  assert.deepEqual(server.hits[1], { inm: '"v1"' });
  assert.equal(standing(readOnlyEntry(xdg, server.key).entry, Date.now()).state, 'fresh', 'the 304 renewed it');
  assert.equal(fromLine(await explain(xdg, server.url)).startsWith('the cache (fetched'), true);
  assert.equal(server.hits.length, 2);

  server.answer.headers = { etag: '"v2"' };
  server.answer.body = pac('PROXY 127.0.0.1:9');
  ageEntry(xdg, server.key, 301);
  const changed = await explain(xdg, server.url);
  assert.equal(fromLine(changed), 'the network; kept 300 s');
  assert.match(changed.stdout.toString(), /returned "PROXY 127\.0\.0\.1:9"/);
  assert.deepEqual(server.hits[2], { inm: '"v1"' });
  assert.equal(readOnlyEntry(xdg, server.key).entry.etag, '"v2"');
});

test('Cache-Control: max-age shortens the lifetime, never lengthens it; no-store keeps nothing and drops the old entry', async (t) => {
  const xdg = cacheHome(t);
  const server = await servePac(t);
  server.answer.headers = { 'cache-control': 'max-age=5' };
  assert.equal(fromLine(await explain(xdg, server.url)), "the network; kept 5 s (the server's max-age)");
  assert.equal(readOnlyEntry(xdg, server.key).entry.lifetimeS, 5);
  server.answer.headers = { 'cache-control': 'max-age=86400' };
  ageEntry(xdg, server.key, 6);
  assert.equal(fromLine(await explain(xdg, server.url, ['--pac-cache', '60'])), 'the network; kept 60 s');
  server.answer.headers = { 'cache-control': 'no-store' };
  ageEntry(xdg, server.key, 61);
  assert.equal(fromLine(await explain(xdg, server.url)), 'the network; not kept (the server says no-store)');
  assert.deepEqual(entryFiles(xdg), []);
  fromLine(await explain(xdg, server.url));
  assert.equal(server.hits.length, 4, 'no-store: fetched every time');
});

test('a failed fetch: an expired copy stands in within its stale-if-error window, with a warning; not past it, not for a 404', async (t) => {
  const xdg = cacheHome(t);
  const server = await servePac(t);
  fromLine(await explain(xdg, server.url));
  server.answer.status = 503;
  ageEntry(xdg, server.key, 310);
  const stale = await explain(xdg, server.url);
  assert.match(fromLine(stale), /^the cache, expired \(fetched 31\d s ago; fetching it again failed\)$/);
  assert.match(stale.stderr, /^connect: warning: PAC file pac\+http:\/\/\S+: HTTP 503 Service Unavailable; using the copy fetched 31\d s ago \(it may stand in 2[89]\d s more\)\n$/);
  ageEntry(xdg, server.key, 300);
  const tooOld = await explain(xdg, server.url);
  assert.match(tooOld.stdout.toString(), /PAC script pac\+http:\S+: no answer: PAC file \S+: HTTP 503/, 'past lifetime + stale-if-error: the failure stands');
  server.answer.status = 404;
  ageEntry(xdg, server.key, -300);
  const gone = await explain(xdg, server.url);
  assert.match(gone.stdout.toString(), /no answer: PAC file \S+: HTTP 404/, 'a 404 is an answer, not an outage');
  await server.close();
  const down = await runConnect(['-x', server.url, '127.0.0.1', String(await bannerTarget(t, 'SSH-2.0-stale\r\n'))], { env: { XDG_CACHE_HOME: xdg } });
  assert.equal(down.code, 0, down.stderr);
  assert.equal(down.stdout.toString(), 'SSH-2.0-stale\r\n');
  assert.match(down.stderr, /^connect: warning: PAC file \S+: connect ECONNREFUSED [^;]+; using the copy fetched 31\d s ago/);
});

test('a torn or tampered entry is ignored: fetched again and replaced', async (t) => {
  const xdg = cacheHome(t);
  const server = await servePac(t);
  fromLine(await explain(xdg, server.url));
  const { path } = readOnlyEntry(xdg, server.key);
  const bytes = readFileSync(path);
  const tampered = Buffer.from(bytes.toString('latin1').replace('"DIRECT"', '"PROXY 6.6.6.6:1"'), 'latin1');
  writeFileSync(path, tampered);
  const r = await runConnect(['--explain', '-x', server.url, 'target.example', '22'], { env: { XDG_CACHE_HOME: xdg, DEBUG: 'connect:pac' } });
  assert.equal(fromLine(r), 'the network; kept 300 s');
  assert.match(r.stdout.toString(), /returned "DIRECT"/);
  assert.match(r.stderr, /PAC cache: pac\+http:\S+: checksum mismatch \(torn or changed\)/);
  writeFileSync(path, bytes.subarray(0, bytes.length - 7));
  assert.equal(fromLine(await explain(xdg, server.url)), 'the network; kept 300 s');
  assert.equal(server.hits.length, 3);
  readOnlyEntry(xdg, server.key); // whole again
});

// chown needs root; CI runs as root, so there a missing root fails instead of skipping.
const notRoot = process.getuid?.() !== 0 ? 'changing owners needs root' : undefined;
if (notRoot && process.env.CI === 'true') throw new Error(`CI=true and ${notRoot}`);

test('refused: a symlinked, foreign or shared cache directory; an entry not ours, not private or a symlink', { skip: notRoot }, async (t) => {
  const server = await servePac(t);
  const refused = async (xdg: string, why: RegExp) => {
    const r = await runConnect(['--explain', '-x', server.url, 'target.example', '22'], { env: { XDG_CACHE_HOME: xdg, DEBUG: 'connect:pac' } });
    assert.equal(fromLine(r).startsWith('the network'), true, r.stdout.toString());
    assert.match(r.stderr, why);
    return r;
  };
  const other = 65534;

  const planted = cacheHome(t);
  const theirs = cacheHome(t);
  symlinkSync(theirs, join(planted, 'connect'));
  await refused(planted, /connect is a symlink \(refused\)/);
  await refused(planted, /connect is a symlink \(refused\)/);
  assert.deepEqual(readdirSync(theirs), [], 'nothing written through the symlink');

  const foreign = cacheHome(t);
  mkdirSync(pacDir(foreign), { recursive: true, mode: 0o700 });
  chownSync(pacDir(foreign), other, other);
  await refused(foreign, /pac is owned by uid 65534, not us \(refused\)/);
  assert.deepEqual(readdirSync(pacDir(foreign)), []);

  const shared = cacheHome(t);
  mkdirSync(pacDir(shared), { recursive: true, mode: 0o700 });
  chmodSync(pacDir(shared), 0o777);
  await refused(shared, /pac is writable by others, mode 777 \(refused\)/);
  assert.deepEqual(readdirSync(pacDir(shared)), []);

  const xdg = cacheHome(t);
  fromLine(await explain(xdg, server.url));
  const { path } = readOnlyEntry(xdg, server.key);
  chmodSync(path, 0o644);
  await refused(xdg, /mode 644, not private \(refused\)/);
  assert.equal(statSync(path).mode & 0o777, 0o600, 'replaced by a private one');
  chownSync(path, other, other);
  await refused(xdg, /owned by uid 65534, not us \(refused\)/);
  assert.equal(statSync(path).uid, 0);
  const elsewhere = join(theirs, 'entry.pac');
  writeFileSync(elsewhere, readFileSync(path), { mode: 0o600 });
  rmSync(path);
  symlinkSync(elsewhere, path);
  await refused(xdg, /a symlink \(refused\)/);
  assert.equal(lstatSync(path).isSymbolicLink(), false, 'the symlink was replaced, not followed');
  assert.equal(server.hits.length, 8, "every refused run fetched");
});

test('off never writes (no entry, no image); pac+file\'s script is never cached, only the image of it evaluated', async (t) => {
  const server = await servePac(t);
  const xdg = cacheHome(t);
  fromLine(await explain(xdg, server.url, ['--pac-cache', 'off']));
  fromLine(await explain(xdg, server.url, [], { CONNECT_PAC_CACHE: '0' }));
  const off = await explain(xdg, server.url, [], { CONNECT_PAC_CACHE: 'off' });
  assert.match(off.stdout.toString(), /pac cache off \(environment variable CONNECT_PAC_CACHE\)/);
  assert.equal(/^ {2}from /m.test(off.stdout.toString()), false, 'no cache, no cache line');
  assert.equal(server.hits.length, 3);
  const dir = tempDir('pac-file');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'p.pac'), pac('DIRECT'));
  const fileOff = await explain(xdg, `pac+file://${join(dir, 'p.pac')}`, ['--pac-cache', 'off']);
  assert.equal(fileOff.code, 0, fileOff.stderr);
  assert.deepEqual(readdirSync(xdg), [], 'nothing was created');
  const file = await explain(xdg, `pac+file://${join(dir, 'p.pac')}`);
  assert.equal(file.code, 0, file.stderr);
  assert.match(readdirSync(pacDir(xdg)).join(' '), /^image-[0-9a-f]{16}\.qjs$/, 'no entry: the script itself is read every time');
});

test('pac+https fetched with --insecure is never used by a verified run; a verified copy is cached on its own', async (t) => {
  const xdg = cacheHome(t);
  let hits = 0;
  const server = createHttpsServer({ ...testCa().server }, (_req, res) => { hits++; res.end(pac('DIRECT')); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }));
  const url = `pac+https://127.0.0.1:${(server.address() as AddressInfo).port}/p.pac`;
  assert.equal(fromLine(await explain(xdg, url, ['--insecure'])), 'the network; kept 300 s');
  assert.equal(fromLine(await explain(xdg, url, ['--insecure'])).startsWith('the cache (fetched'), true);
  const verified = await explain(xdg, url);
  assert.match(verified.stdout.toString(), /no answer: PAC file pac\+https:\S+: .*NODE_EXTRA_CA_CERTS/, 'the unverified copy was not used');
  const ca = { NODE_EXTRA_CA_CERTS: testCa().caFile };
  assert.equal(fromLine(await explain(xdg, url, [], ca)), 'the network; kept 300 s');
  assert.equal(fromLine(await explain(xdg, url, [], ca)).startsWith('the cache (fetched'), true);
  assert.equal(hits, 2);
  assert.equal(entryFiles(xdg).length, 2);
});

test('bounded size: at most 64 entries (the oldest go), entries past any use and leftover temporary files removed, other files left alone', async (t) => {
  const xdg = cacheHome(t);
  const server = await servePac(t);
  mkdirSync(pacDir(xdg), { recursive: true, mode: 0o700 });
  const hex = (i: number) => i.toString(16).padStart(16, '0');
  const made = (name: string, ageS: number) => {
    const path = join(pacDir(xdg), name);
    writeFileSync(path, 'x', { mode: 0o600 });
    const when = (Date.now() - ageS * 1000) / 1000;
    utimesSync(path, when, when);
  };
  for (let i = 0; i < 70; i++) made(`url-${hex(i)}.pac`, 100 + i); // url-…00 newest
  for (let i = 70; i < 75; i++) made(`wpad-${hex(i)}.pac`, 2 * 3600); // past any lifetime and stale window
  made('.url-0000000000000001.pac.1.x.tmp', 120);
  made('.url-0000000000000002.pac.1.y.tmp', 1);
  made('notes.txt', 2 * 3600);
  fromLine(await explain(xdg, server.url));
  const names = readdirSync(pacDir(xdg));
  const entries = names.filter((n) => n.endsWith('.pac'));
  assert.equal(entries.length, 64, names.join(' '));
  assert.ok(entries.includes(entryFileName(server.key)), 'the new entry is kept');
  assert.ok(names.includes(`url-${hex(0)}.pac`) && !names.includes(`url-${hex(69)}.pac`), 'the oldest went');
  assert.equal(names.filter((n) => n.startsWith('wpad-')).length, 0);
  assert.deepEqual(names.filter((n) => n.endsWith('.tmp')), ['.url-0000000000000002.pac.1.y.tmp'], 'a recent temporary file may be another run\'s write');
  assert.ok(names.includes('notes.txt'));
});
