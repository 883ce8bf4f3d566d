// Real ssh sessions in the network lab (test/helpers/netns.ts): from a
// namespace that can reach only the proxy, through danted and tinyproxy to a
// real sshd; and one ssh_config line that picks the office proxy in the
// office and goes DIRECT at home (a ?localnet= roaming rule).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB, labSkipReason, startLab, type Lab, type LabSshd, type Place } from '../helpers/netns.js';
import { tempDir } from '../helpers/process.js';
import { CLI } from '../helpers/run.js';

const skip = labSkipReason();
const connect = `${process.execPath} ${CLI}`;

function ssh(lab: Lab, sshd: LabSshd, place: Place, args: string[], command: string) {
  return lab.spawnIn(place, 'ssh', [...sshd.sshOptions(), ...args, command], { timeoutMs: 20_000 }).result;
}

test('lab: from a namespace that reaches only the proxy, ssh through danted and through tinyproxy; direct fails', { skip }, async (t) => {
  const lab = await startLab(t);
  await Promise.all([lab.startDanted(), lab.startTinyproxy()]);
  const sshd = await lab.startSshd();
  const target = [`${sshd.user}@${LAB.target}`];
  const routes: [string, string][] = [
    ['danted (-S)', `${connect} -S ${LAB.proxyForClient}:${LAB.socksPort} %h %p`],
    ['tinyproxy (-H)', `${connect} -H ${LAB.proxyForClient}:${LAB.httpPort} %h %p`],
    ['danted (-x socks5h://)', `${connect} -x socks5h://${LAB.proxyForClient}:${LAB.socksPort} %h %p`],
  ];
  for (const [name, proxyCommand] of routes) {
    const r = await ssh(lab, sshd, 'client', ['-o', `ProxyCommand=${proxyCommand}`, ...target], 'echo lab-ok');
    assert.equal(r.stdout.toString(), 'lab-ok\n', `${name}: ${r.stderr}`);
    assert.equal(r.code, 0, name);
  }
  assert.match(lab.log('danted'), new RegExp(`${LAB.client.replace(/\./g, '\\.')}`), 'danted saw the client');
  assert.match(lab.log('tinyproxy'), /CONNECT/, 'tinyproxy carried a CONNECT');
  const direct = await ssh(lab, sshd, 'client', ['-o', `ProxyCommand=${connect} %h %p`, ...target], 'echo lab-ok');
  assert.notEqual(direct.code, 0, 'the client namespace reached the target without the proxy');
  assert.equal(direct.stdout.length, 0);
});

test('lab: one ssh_config line: the office proxy in the office, DIRECT at home', { skip }, async (t) => {
  const lab = await startLab(t);
  await lab.startDanted();
  const sshd = await lab.startSshd();
  const dir = tempDir('lab-ssh');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'ssh_config');
  writeFileSync(config, [
    'Host lab-target',
    `  HostName ${LAB.target}`,
    `  User ${sshd.user}`,
    `  ProxyCommand ${connect} -d -x 'socks5://${LAB.proxyForOffice}:${LAB.socksPort}?localnet=${LAB.officeNet},direct://' %h %p`,
    '',
  ].join('\n'));
  const office = await ssh(lab, sshd, 'office', ['-F', config, 'lab-target'], 'echo office-ok');
  assert.equal(office.stdout.toString(), 'office-ok\n', office.stderr);
  assert.match(office.stderr, /roaming rule localnet=10\.77\.3\.0\/24: fired: \S+ 10\.77\.3\.2 is in/);
  assert.match(office.stderr, /negotiating with SOCKS5 proxy 10\.77\.3\.1:1080/);
  const proxied = lab.log('danted').split('\n').filter((l) => l.includes(LAB.office)).length;
  assert.ok(proxied > 0, 'danted did not see the office session');
  const home = await ssh(lab, sshd, 'home', ['-F', config, 'lab-target'], 'echo home-ok');
  assert.equal(home.stdout.toString(), 'home-ok\n', home.stderr);
  assert.match(home.stderr, /roaming rule localnet=10\.77\.3\.0\/24: did not fire/);
  assert.doesNotMatch(home.stderr, /failed/);
  assert.equal(lab.log('danted').split('\n').filter((l) => l.includes(LAB.home)).length, 0, 'home went through the proxy');
});
