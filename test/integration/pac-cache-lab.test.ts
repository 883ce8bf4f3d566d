// The PAC cache and WPAD, in network namespaces: a discovered script is
// remembered per DNS domain and network, so the next start probes nothing;
// a laptop that moves to another network (same domain, same resolv.conf,
// other addresses) asks that network's WPAD, never uses the office's
// answer there; "nothing found" is remembered too. One XDG_CACHE_HOME is
// shared by every run (one user), private to the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { labSkipReason, makeLab, startLabPeer, type LabEvent, type LabPeer } from '../helpers/pac-lab.js';
import { tempDir } from '../helpers/process.js';

const skip = labSkipReason();

const script = (answer: string) => `function FindProxyForURL(url, host) { return "${answer}"; }`;
const CONF = 'nameserver 127.0.0.1\nsearch corp.pactest.test\noptions attempts:1 timeout:1\n';

/** Waits until `peer` has reported `n` events matching `pred` (they arrive through a pipe, after the fact). */
async function reported(peer: LabPeer, pred: (e: LabEvent) => boolean, n: number): Promise<void> {
  while (peer.events.filter(pred).length < n) await new Promise((resolve) => setTimeout(resolve, 20));
}

test('WPAD through the cache: the next start probes nothing; another network is asked again; "none found" is remembered', { skip, timeout: 90_000 }, async (t) => {
  const xdg = tempDir('pac-cache-lab');
  t.after(() => rmSync(xdg, { recursive: true, force: true }));
  const env = { env: { XDG_CACHE_HOME: xdg } };
  const office = makeLab(t, 'co', '10.81.1.5/24');
  const home = makeLab(t, 'ch', '192.168.81.5/24');
  const dns = { 'wpad.corp.pactest.test': '127.0.0.1' };
  const officePeer = await startLabPeer(t, office, { banner: 'SSH-2.0-office\r\n', dns, web: { 'wpad.corp.pactest.test': script('PROXY 127.0.0.1:$PROXY') } });
  const homePeer = await startLabPeer(t, home, { banner: 'SSH-2.0-home\r\n', dns, web: { 'wpad.corp.pactest.test': script('DIRECT') } });
  office.setResolvConf(CONF);
  home.setResolvConf(CONF);
  const viaProxy = (peer: LabPeer) => (e: LabEvent) => e.connect === `127.0.0.1:${peer.banner}`;
  const wpadFetch = (e: LabEvent) => e.http === 'wpad.corp.pactest.test /wpad.dat';

  const first = await office.connect(['-d', '-x', 'wpad', '127.0.0.1', String(officePeer.banner)], env);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout.toString(), 'SSH-2.0-office\r\n');
  assert.match(first.stderr, /WPAD http:\/\/wpad\.corp\.pactest\.test\/wpad\.dat: found/);
  assert.match(first.stderr, /PAC script pac\+http:\/\/wpad\.corp\.pactest\.test\/wpad\.dat from the network; kept 300 s/);

  const second = await office.connect(['-d', '-x', 'wpad', '127.0.0.1', String(officePeer.banner)], env);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.stdout.toString(), 'SSH-2.0-office\r\n');
  assert.match(second.stderr, /PAC script pac\+http:\/\/wpad\.corp\.pactest\.test\/wpad\.dat from the cache \(WPAD found it \d+ s ago, fresh \d+ s more\)/);
  assert.doesNotMatch(second.stderr, /WPAD http:/, 'no candidate probed');

  // Home: the same domain and resolv.conf, other addresses: home's WPAD decides, not the office's cached answer.
  const atHome = await home.connect(['-d', '-x', 'wpad', '127.0.0.1', String(homePeer.banner)], env);
  assert.equal(atHome.code, 0, atHome.stderr);
  assert.equal(atHome.stdout.toString(), 'SSH-2.0-home\r\n');
  assert.match(atHome.stderr, /from the network; kept 300 s/);
  assert.match(atHome.stderr, /returned "DIRECT"/);
  await homePeer.seen(wpadFetch);

  // Back at the office: its own entry is still there.
  const back = await office.connect(['-d', '-x', 'wpad', '127.0.0.1', String(officePeer.banner)], env);
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stderr, /from the cache \(WPAD found it/);
  await reported(officePeer, viaProxy(officePeer), 3);
  assert.equal(officePeer.events.filter(wpadFetch).length, 1, 'the office served wpad.dat once for three sessions');

  // A domain with no WPAD: probed once, then remembered (for a short while).
  office.setResolvConf('nameserver 127.0.0.1\nsearch nowhere.pactest.test\noptions attempts:1 timeout:1\n');
  const none = await office.connect(['-d', '-x', 'wpad', '127.0.0.1', String(officePeer.banner)], env);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /WPAD http:\/\/wpad\.nowhere\.pactest\.test\/wpad\.dat: /);
  assert.match(none.stderr, /"none found" kept 60 s/);
  const again = await office.connect(['-d', '-x', 'wpad', '127.0.0.1', String(officePeer.banner)], env);
  assert.equal(again.code, 1);
  assert.doesNotMatch(again.stderr, /WPAD http:/, 'no candidate probed');
  assert.match(again.stderr, /connect: WPAD found no PAC file for nowhere\.pactest\.test \(none found from the cache \(\d+ s ago, fresh \d+ s more\)\)\n$/);
  // A public suffix as the domain: nothing is asked, so nothing is remembered (the reason stays the real one).
  office.setResolvConf('nameserver 127.0.0.1\nsearch co.uk\n');
  for (let i = 0; i < 2; i++) {
    const suffix = await office.connect(['-x', 'wpad', '127.0.0.1', String(officePeer.banner)], env);
    assert.match(suffix.stderr, /WPAD found no PAC file for co\.uk \(no candidate below its public suffix\)/);
  }
});
