// Side by side with connect.c 1.105 (connect-proxy): the same arguments and
// environment against two copies of the same scripted peer must give the same
// bytes on the wire, the same stdout and the same success.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requireBinary } from '../helpers/process.js';
import { bannerServer, socks5Script, type Script, type Socks5ScriptOptions } from '../helpers/fake-proxy.js';
import { runBoth, runConnect } from '../helpers/run.js';

const BANNER = 'SSH-2.0-compat\r\n';
const skip = requireBinary('connect-proxy');

interface Case {
  name: string;
  args: (proxy: string) => string[];
  env?: Record<string, string>;
  peer?: Partial<Socks5ScriptOptions>;
  succeeds: boolean;
}

const cases: Case[] = [
  { name: 'default: name sent as atyp 3', args: (p) => ['-S', p, 'example.com', '22'], succeeds: true },
  { name: 'IPv4 literal still sent as a name', args: (p) => ['-S', p, '10.0.0.1', '443'], succeeds: true },
  { name: '-R local sends atyp 1', args: (p) => ['-R', 'local', '-S', p, 'localhost', '22'], succeeds: true },
  { name: '-R LOCAL with an IPv4 literal', args: (p) => ['-R', 'LOCAL', '-S', p, '127.0.0.1', '2222'], succeeds: true },
  { name: '-R both sends the name', args: (p) => ['-R', 'both', '-S', p, 'example.com', '22'], succeeds: true },
  { name: 'port as a service name', args: (p) => ['-S', p, 'example.com', 'ssh'], succeeds: true },
  { name: 'grouped flags -5dS', args: (p) => ['-5dS', p, 'example.com', '22'], succeeds: true },
  { name: '-a none offers only none', args: (p) => ['-a', 'none', '-S', p, 'example.com', '22'], succeeds: true },
  { name: 'SOCKS5_AUTH=userpass,none order', args: (p) => ['-S', p, 'example.com', '22'], env: { SOCKS5_AUTH: 'userpass,none' }, succeeds: true },
  { name: 'user in spec, SOCKS5_PASSWD', args: (p) => ['-S', `alice@${p}`, 'example.com', '22'], env: { SOCKS5_PASSWD: 's3cret' }, peer: { method: 2 }, succeeds: true },
  { name: 'SOCKS5_USER and SOCKS5_PASSWORD', args: (p) => ['-S', p, 'example.com', '22'], env: { SOCKS5_USER: 'bob', SOCKS5_PASSWORD: 'pw' }, peer: { method: 2 }, succeeds: true },
  { name: 'CONNECT_USER and CONNECT_PASSWORD', args: (p) => ['-S', p, 'example.com', '22'], env: { CONNECT_USER: 'carol', CONNECT_PASSWORD: 'x y' }, peer: { method: 2 }, succeeds: true },
  { name: '-s with SOCKS5_SERVER', args: (p) => ['-s', 'example.com', '22'], env: { SOCKS5_SERVER: '@P' }, succeeds: true },
  { name: '-s with SOCKS_SERVER', args: (p) => ['-s', 'example.com', '22'], env: { SOCKS_SERVER: '@P' }, succeeds: true },
  { name: 'SOCKS5_RESOLVE=local', args: (p) => ['-S', p, 'localhost', '22'], env: { SOCKS5_RESOLVE: 'local' }, succeeds: true },
  { name: 'reply with a domain bound address', args: (p) => ['-S', p, 'example.com', '22'], peer: { atyp: 3 }, succeeds: true },
  { name: 'reply with an IPv6 bound address', args: (p) => ['-S', p, 'example.com', '22'], peer: { atyp: 4 }, succeeds: true },
  { name: 'refused (rep 5)', args: (p) => ['-S', p, 'example.com', '22'], peer: { rep: 5 }, succeeds: false },
  { name: 'not allowed (rep 2)', args: (p) => ['-S', p, 'example.com', '22'], peer: { rep: 2 }, succeeds: false },
  { name: 'no acceptable method (FF)', args: (p) => ['-S', p, 'example.com', '22'], peer: { method: 0xff }, succeeds: false },
  { name: 'authentication failure', args: (p) => ['-S', `u@${p}`, 'example.com', '22'], env: { SOCKS5_PASSWD: 'bad' }, peer: { method: 2, authStatus: 1 }, succeeds: false },
];

for (const c of cases) {
  test(`SOCKS5 side by side: ${c.name}`, { skip }, async () => {
    const script: Script = socks5Script({ method: 0, banner: BANNER, ...c.peer });
    const withPort = (port: number) => c.args(`127.0.0.1:${port}`);
    const envFor = (port: number) =>
      Object.fromEntries(Object.entries(c.env ?? {}).map(([k, v]) => [k, v.replace('@P', `127.0.0.1:${port}`)]));
    const both = await runBoth('socks5', withPort, script, { env: envFor });
    const { ours, reference } = both;
    const detail = `ours: ${ours.result.stderr}\nreference: ${reference.result.stderr}`;
    assert.deepEqual(ours.peer.connections.map((x) => x.received.toString('hex')), reference.peer.connections.map((x) => x.received.toString('hex')), detail);
    assert.equal(ours.result.stdout.toString(), reference.result.stdout.toString(), detail);
    assert.equal(ours.result.code, reference.result.code, detail);
    assert.equal(ours.result.code === 0, c.succeeds, detail);
    if (c.succeeds) assert.equal(ours.result.stdout.toString(), BANNER);
    else assert.equal(ours.result.stderr.trim().split('\n').length, 1, `one error line: ${ours.result.stderr}`);
  });
}

test('direct side by side: same stdout, exit 0', { skip }, async (t) => {
  const target = await bannerServer(BANNER, { t, then: 'close' });
  const args = ['127.0.0.1', String(target.port)];
  const [ours, reference] = await Promise.all([runConnect(args), runConnect(args, { bin: 'reference' })]);
  assert.equal(ours.stdout.toString(), BANNER, ours.stderr);
  assert.equal(reference.stdout.toString(), BANNER, reference.stderr);
  assert.equal(ours.code, 0);
  assert.equal(reference.code, 0);
});
