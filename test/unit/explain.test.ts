// --explain's record of where every setting came from, for each kind of source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from '../../src/cli/args.js';
import { buildConfig, type BuildInputs } from '../../src/config/build.js';
import { explanationLines, type Explanation, type Setting } from '../../src/config/explain.js';
import type { ParsedArgs } from '../../src/config/types.js';

type Env = Record<string, string | undefined>;
const ETC = '/etc/connectrc';
const HOME_RC = '/home/alice/.connectrc';
const IFACES = { eth0: [{ address: '10.20.30.40', netmask: '255.255.0.0', family: 'IPv4' }] };

function explain(argv: string[], env: Env = {}, rc: { etc?: string; home?: string } = {}): Explanation {
  const r = parseArgs([...argv, 'db.example', '22'], { programName: 'connect' });
  assert.equal(r.kind, 'run', JSON.stringify(r));
  const rcFiles = [...(rc.etc ? [{ path: ETC, text: rc.etc }] : []), ...(rc.home ? [{ path: HOME_RC, text: rc.home }] : [])];
  const inputs: BuildInputs = { env, rcFiles, loginName: 'alice', networkInterfaces: IFACES };
  return buildConfig((r as { args: ParsedArgs }).args, inputs).explanation!;
}

const candidate = (e: Explanation, hop = 0, i = 0) => e.hops[hop]!.candidates[i]!;
const setting = (list: Setting[], name: string) => {
  const s = list.find((x) => x.name === name);
  assert.ok(s, `no ${name} in ${JSON.stringify(list)}`);
  return s;
};

test('each source of a proxy setting: flag, environment variable, /etc/connectrc:line, ~/.connectrc:line, the spec, the login name, default', () => {
  const rows: [string[], Env, { etc?: string; home?: string }, string, string, string][] = [
    [['-S', 'gw'], {}, {}, 'server', 'SOCKS5 proxy gw:1080', '-S'],
    [['-s'], { SOCKS5_SERVER: 'gw' }, {}, 'server', 'SOCKS5 proxy gw:1080', 'environment variable SOCKS5_SERVER'],
    [['-s'], {}, { etc: '# proxy\nSOCKS_SERVER=gw:1081\n' }, 'server', 'SOCKS5 proxy gw:1081', '/etc/connectrc:2 (SOCKS_SERVER)'],
    [['-s'], {}, { etc: 'SOCKS5_SERVER=a\n', home: '\n\nSOCKS5_SERVER=b\n' }, 'server', 'SOCKS5 proxy b:1080', '/home/alice/.connectrc:3 (SOCKS5_SERVER)'],
    [['-S', 'gw'], { SOCKS5_USER: 'bob' }, {}, 'user', 'bob', 'environment variable SOCKS5_USER'],
    [['-S', 'gw'], {}, { home: 'CONNECT_USER=carol\n' }, 'user', 'carol', '/home/alice/.connectrc:1 (CONNECT_USER)'],
    [['-S', 'dave@gw'], { SOCKS5_USER: 'bob' }, {}, 'user', 'dave', '-S'],
    [['-S', 'gw'], {}, {}, 'user', 'alice', 'the login name'],
    [['-S', 'gw'], { SOCKS5_PASSWD: 'hunter2' }, {}, 'password', 'xxxx', 'environment variable SOCKS5_PASSWD'],
    [['-S', 'gw'], {}, { etc: 'SOCKS5_PASSWORD=hunter2\n' }, 'password', 'xxxx', '/etc/connectrc:1 (SOCKS5_PASSWORD)'],
    [['-x', 'http://u:hunter2@p:3128'], {}, {}, 'password', 'xxxx', '-x (1st)'],
    [['-S', 'gw'], {}, {}, 'password', '(asked when the proxy demands one)', 'none configured'],
    [['-S', 'gw', '-R', 'local'], { SOCKS5_RESOLVE: 'remote' }, {}, 'resolve', 'local', '-R'],
    [['-S', 'gw'], { SOCKS_RESOLVE: 'local' }, {}, 'resolve', 'local', 'environment variable SOCKS_RESOLVE'],
    [['-S', 'gw'], {}, {}, 'resolve', 'remote', 'default for SOCKS5'],
    [['-S', 'gw', '-a', 'user'], {}, {}, 'socks5 methods', 'userpass', '-a'],
    [['-S', 'gw'], {}, { home: 'SOCKS5_AUTH=none\n' }, 'socks5 methods', 'none', '/home/alice/.connectrc:1 (SOCKS5_AUTH)'],
    [['-S', 'gw'], {}, {}, 'socks5 methods', 'none,userpass', 'default'],
    [['-H', 'https://p', '--insecure'], {}, {}, 'certificate check', 'off', '--insecure'],
    [['-T', 'tp', '-c', 'open %h %p'], {}, {}, 'telnet command', '"open %h %p"', '-c'],
  ];
  for (const [argv, env, rc, name, value, from] of rows) {
    const s = setting(candidate(explain(argv, env, rc)).settings, name);
    assert.deepEqual([s.value, s.from], [value, from], `${argv.join(' ')} ${JSON.stringify(env)} ${JSON.stringify(rc)}: ${name}`);
  }
});

test('each source of the route: method flag, -x, CONNECT_PROXY from env and rc, direct lists, -D, global settings', () => {
  assert.deepEqual(explain(['-S', 'gw']).method, { name: 'method', value: 'socks5', from: '-S' });
  assert.deepEqual(explain([]).method, { name: 'method', value: 'direct', from: 'default (no method option)' });
  assert.equal(explain(['-x', 'socks5://a', '-x', 'http://b']).hops[1]!.from, '-x (2nd)');
  assert.equal(explain([], { CONNECT_PROXY: 'socks5://a' }).hops[0]!.from, 'environment variable CONNECT_PROXY');
  assert.equal(explain([], {}, { home: '\nCONNECT_PROXY=socks5://a http://b\n' }).hops[1]!.from, '/home/alice/.connectrc:2 (CONNECT_PROXY), hop 2');
  const nop = explain(['-x', 'socks5://a'], { NO_PROXY: '.example' });
  assert.deepEqual(nop.direct.matched, { entry: '.example', from: 'environment variable NO_PROXY', direct: true });
  assert.match(nop.decision, /^direct to db\.example:22 \(direct-list entry \.example\)/);
  assert.deepEqual(explain(['-x', 'socks5://a'], { no_proxy: '!db.example,.example' }).direct.matched, { entry: '!db.example', from: 'environment variable no_proxy', direct: false });
  assert.deepEqual(explain(['-S', 'gw'], {}, { etc: 'SOCKS5_DIRECT=.example\n' }).direct.matched?.from, '/etc/connectrc:1 (SOCKS5_DIRECT)');
  assert.deepEqual(explain(['-S', 'gw', '-D']).direct.entries, [{ name: 'direct', value: '10.20.30.40/255.255.0.0', from: '-D (interface eth0)' }]);
  const g = explain(['-S', 'gw', '-w', '5'], {}, { home: 'CONNECT_KEEPALIVE=30\n' }).settings;
  assert.deepEqual(setting(g, 'timeout'), { name: 'timeout', value: '5 s per attempt', from: '-w' });
  assert.deepEqual(setting(g, 'keepalive'), { name: 'keepalive', value: '30 s', from: '/home/alice/.connectrc:1 (CONNECT_KEEPALIVE)' });
  assert.deepEqual(setting(explain(['-S', 'gw', '-k', '7']).settings, 'keepalive').from, '-k');
});

test('roaming rules and auto: the rule that fired, the variable auto found', () => {
  const e = explain(['-x', 'socks5://office:1080?localnet=10.0.0.0/8,direct://'], {});
  assert.deepEqual(candidate(e).rule, { text: '10.0.0.0/8', fired: true, because: 'eth0 10.20.30.40 is in 10.0.0.0/8' });
  assert.match(e.decision, /hop 1: SOCKS5 proxy office:1080, else direct/);
  const home = explain(['-x', 'socks5://home:1080?localnet=192.168.1.0/24,direct://']);
  assert.equal(candidate(home).rule?.fired, false);
  assert.match(home.decision, /^hop 1: direct;/);
  const auto = explain(['-x', 'auto'], { HTTPS_PROXY: 'corp:3128', NO_PROXY: '.lan' });
  assert.equal(auto.hops[0]!.auto, 'environment variable HTTPS_PROXY');
  assert.equal(candidate(auto).what, 'HTTP proxy corp:3128');
  assert.equal(setting(candidate(auto).settings, 'server').from, 'environment variable HTTPS_PROXY');
  const bare = explain([], { CONNECT_PROXY: 'auto' }).hops[0]!.candidates;
  assert.deepEqual(bare.map((c) => c.what), ['WPAD (a PAC file from http://wpad.<domain>/wpad.dat, looked for when connecting)', 'direct']);
});

test('the text form never shows a password', () => {
  const e = explain(['-x', 'socks5://u:hunter2@a'], { HTTP_PROXY_PASSWORD: 'hunter3' });
  const text = explanationLines(e).join('\n') + JSON.stringify(e);
  assert.doesNotMatch(text, /hunter/);
  assert.match(text, /password xxxx \(-x \(1st\)\)/);
});
