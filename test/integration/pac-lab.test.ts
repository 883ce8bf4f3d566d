// PAC in network namespaces: the office/home lab decided by
// isInNet(myIpAddress(), ...) alone, and WPAD through a namespace whose
// resolv.conf names a test domain served by a test DNS responder. Every
// server runs inside the namespace, on its own loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labSkipReason, makeLab, startLabPeer } from '../helpers/pac-lab.js';
import { tempDir, type Teardown } from '../helpers/process.js';

const skip = labSkipReason();
const GUARD = { skip, timeout: 60_000 };

function pacFile(t: Teardown, source: string): string {
  const dir = tempDir('pac');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'lab.pac'), source);
  return `pac+file://${join(dir, 'lab.pac')}`;
}

test('office/home lab: the same PAC file sends the office through its proxy and home direct, by myIpAddress() alone', GUARD, async (t) => {
  const office = makeLab(t, 'o', '10.77.1.5/24');
  const home = makeLab(t, 'h', '192.168.77.5/24');
  const officePeer = await startLabPeer(t, office, { banner: 'SSH-2.0-lab\r\n' });
  const homePeer = await startLabPeer(t, home, { banner: 'SSH-2.0-lab\r\n' });
  const pac = pacFile(t, `function FindProxyForURL(url, host) {
    if (isInNet(myIpAddress(), "10.77.0.0", "255.255.0.0")) return "PROXY 127.0.0.1:${officePeer.proxy}";
    return "DIRECT";
  }`);
  const inOffice = await office.connect(['-d', '-x', pac, '127.0.0.1', String(officePeer.banner)]);
  assert.equal(inOffice.code, 0, inOffice.stderr);
  assert.equal(inOffice.stdout.toString(), 'SSH-2.0-lab\r\n');
  assert.match(inOffice.stderr, /returned "PROXY 127\.0\.0\.1:\d+"/);
  await officePeer.seen((e) => e.connect === `127.0.0.1:${officePeer.banner}`);

  const atHome = await home.connect(['-d', '-x', pac, '127.0.0.1', String(homePeer.banner)]);
  assert.equal(atHome.code, 0, atHome.stderr);
  assert.equal(atHome.stdout.toString(), 'SSH-2.0-lab\r\n');
  assert.match(atHome.stderr, /returned "DIRECT"/);
  assert.deepEqual(homePeer.events.filter((e) => e.connect), [], 'home went direct, not through a proxy');
});

test('WPAD in a namespace: wpad.<domain> by DNS, most specific first, never at or above the public suffix', GUARD, async (t) => {
  const lab = makeLab(t, 'w', '10.78.1.5/24');
  const peer = await startLabPeer(t, lab, {
    banner: 'SSH-2.0-wpad\r\n',
    // wpad.co.uk answers too (a trap): it must never be asked.
    dns: { 'wpad.pactest.co.uk': '127.0.0.1', 'wpad.co.uk': '127.0.0.1', 'wpad.uk': '127.0.0.1' },
    web: {
      'wpad.pactest.co.uk': 'function FindProxyForURL(url, host) { return "PROXY 127.0.0.1:$PROXY"; }',
      'wpad.co.uk': 'function FindProxyForURL(url, host) { return "DIRECT"; }',
    },
  });
  const asked = () => peer.events.filter((e) => e.dns).map((e) => e.dns);
  const trap = (name: string | undefined) => name === 'wpad.co.uk' || name === 'wpad.uk' || name === 'wpad';

  lab.setResolvConf('nameserver 127.0.0.1\nsearch eng.pactest.co.uk\noptions attempts:1 timeout:1\n');
  const found = await lab.connect(['-d', '-x', 'wpad', '127.0.0.1', String(peer.banner)]);
  assert.equal(found.code, 0, found.stderr);
  assert.equal(found.stdout.toString(), 'SSH-2.0-wpad\r\n');
  assert.match(found.stderr, /WPAD http:\/\/wpad\.eng\.pactest\.co\.uk\/wpad\.dat: .*ENOTFOUND/);
  assert.match(found.stderr, /PAC script pac\+http:\/\/wpad\.pactest\.co\.uk\/wpad\.dat/);
  await peer.seen((e) => e.connect === `127.0.0.1:${peer.banner}`);
  await peer.seen((e) => e.http === 'wpad.pactest.co.uk /wpad.dat');
  const names = asked();
  assert.ok(names.indexOf('wpad.eng.pactest.co.uk') >= 0 && names.indexOf('wpad.eng.pactest.co.uk') < names.indexOf('wpad.pactest.co.uk'), names.join(' '));

  // A domain whose only parent is the public suffix: its own wpad is tried, nothing above.
  lab.setResolvConf('nameserver 127.0.0.1\nsearch other.co.uk\noptions attempts:1 timeout:1\n');
  const missing = await lab.connect(['-x', 'wpad', '127.0.0.1', String(peer.banner)]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^connect: WPAD found no PAC file for other\.co\.uk \(http:\/\/wpad\.other\.co\.uk\/wpad\.dat: .*\)\n$/);

  // The public suffix itself as the domain: no candidate at all.
  lab.setResolvConf('nameserver 127.0.0.1\nsearch co.uk\n');
  const none = await lab.connect(['-x', 'wpad', '127.0.0.1', String(peer.banner)]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /WPAD found no PAC file for co\.uk \(no candidate below its public suffix\)/);

  assert.deepEqual(asked().filter(trap), [], 'a name at or above the public suffix was asked');
  assert.deepEqual(peer.events.filter((e) => e.http && !e.http.startsWith('wpad.pactest.co.uk ')), []);
});

test('-x auto with nothing in the environment: WPAD first, DIRECT when it finds nothing, never DIRECT after a broken script', GUARD, async (t) => {
  const lab = makeLab(t, 'a', '10.79.1.5/24');
  const peer = await startLabPeer(t, lab, {
    banner: 'SSH-2.0-auto\r\n',
    dns: { 'wpad.found.pactest.test': '127.0.0.1', 'wpad.broken.pactest.test': '127.0.0.1' },
    web: {
      'wpad.found.pactest.test': 'function FindProxyForURL(url, host) { return "PROXY 127.0.0.1:$PROXY"; }',
      'wpad.broken.pactest.test': 'function FindProxyForURL(url, host) { for (;;) {} }',
    },
  });
  const connects = () => peer.events.filter((e) => e.connect).length;

  lab.setResolvConf('nameserver 127.0.0.1\nsearch found.pactest.test\noptions attempts:1 timeout:1\n');
  const found = await lab.connect(['-x', 'auto', '127.0.0.1', String(peer.banner)]);
  assert.equal(found.code, 0, found.stderr);
  assert.equal(found.stdout.toString(), 'SSH-2.0-auto\r\n');
  await peer.seen((e) => e.connect === `127.0.0.1:${peer.banner}`);

  lab.setResolvConf('nameserver 127.0.0.1\nsearch nothing.pactest.test\noptions attempts:1 timeout:1\n');
  const before = connects();
  const none = await lab.connect(['-d', '-x', 'auto', '127.0.0.1', String(peer.banner)]);
  assert.equal(none.code, 0, none.stderr);
  assert.equal(none.stdout.toString(), 'SSH-2.0-auto\r\n');
  assert.match(none.stderr, /WPAD found no PAC file for nothing\.pactest\.test/);
  assert.match(none.stderr, /using direct \(after: /);
  assert.equal(connects(), before, 'no PAC found: straight to the target');

  lab.setResolvConf('nameserver 127.0.0.1\nsearch broken.pactest.test\noptions attempts:1 timeout:1\n');
  const broken = await lab.connect(['-w', '2', '-x', 'auto', '127.0.0.1', String(peer.banner)]);
  assert.equal(broken.code, 1);
  assert.equal(broken.stdout.length, 0);
  // One line, the script's failure (or -w running out first on a loaded machine), never the target's banner.
  assert.match(broken.stderr, /^connect: (PAC script pac\+http:\/\/wpad\.broken\.pactest\.test\/wpad\.dat: did not finish|timed out)[^\n]*\n$/);
});
