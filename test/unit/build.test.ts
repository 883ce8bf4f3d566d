import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from '../../src/cli/args.js';
import { buildConfig, parseResolve, preflight, type BuildInputs } from '../../src/config/build.js';
import { parseSocks5Auth } from '../../src/config/settings.js';
import type { Candidate, CliConfig, OptionArgs, ParsedArgs, ProxyServer } from '../../src/config/types.js';

/** Every candidate here is a proxy (no direct:// in these configs). */
const asProxy = (c: Candidate): ProxyServer => {
  assert.notEqual(c.kind, 'direct');
  return c as ProxyServer;
};

type Env = Record<string, string | undefined>;

function args(argv: string[]): ParsedArgs {
  const r = parseArgs(argv, { programName: 'connect' });
  assert.equal(r.kind, 'run', JSON.stringify(r));
  return (r as { args: ParsedArgs }).args;
}

function inputs(env: Env = {}, rc = ''): BuildInputs {
  return { env, rcFiles: rc ? [{ path: 'rc', text: rc }] : [], loginName: 'login' };
}

function build(argv: string[], env: Env = {}, rc = ''): CliConfig {
  return buildConfig(args([...argv, 'target', '22']), inputs(env, rc));
}

function server(argv: string[], env: Env = {}, rc = ''): ProxyServer {
  const c = build(argv, env, rc);
  assert.equal(c.tunnel.hops.length, 1);
  return c.tunnel.hops[0]!.candidates.map(asProxy)[0]!;
}

test('server: variable precedence and default ports', () => {
  const rows: [string[], Env, string, string, number, string][] = [
    [['-s'], { SOCKS5_SERVER: 'a', SOCKS_SERVER: 'b' }, '', 'a', 1080, 'socks5'],
    [['-s'], { SOCKS_SERVER: 'b' }, '', 'b', 1080, 'socks5'],
    [['-s'], { SOCKS4_SERVER: 'c', SOCKS_SERVER: 'b' }, '', 'b', 1080, 'socks5'],
    [['-4s'], { SOCKS4_SERVER: 'c', SOCKS_SERVER: 'b' }, '', 'c', 1080, 'socks4'],
    [['-s', '-4'], { SOCKS5_SERVER: 'a', SOCKS_SERVER: 'b' }, '', 'b', 1080, 'socks4'],
    [['-h'], { HTTP_PROXY: 'http://p:3128/' }, '', 'p', 3128, 'http'],
    [['-h'], { HTTP_PROXY: 'p' }, '', 'p', 80, 'http'],
    [['-t'], { TELNET_PROXY: 't' }, '', 't', 23, 'telnet'],
    [['-S', 'cli:9'], { SOCKS5_SERVER: 'a' }, '', 'cli', 9, 'socks5'],
    [['-s'], {}, 'SOCKS5_SERVER=rc\n', 'rc', 1080, 'socks5'],
    [['-s'], { SOCKS_SERVER: 'env' }, 'SOCKS5_SERVER=rc\n', 'rc', 1080, 'socks5'],
    [['-s'], { SOCKS5_SERVER: 'env' }, 'SOCKS5_SERVER=rc\n', 'env', 1080, 'socks5'],
    [['-S', 'x', '-h'], { HTTP_PROXY: 'env' }, '', 'x', 80, 'http'],
    [['-T', 'x:7'], {}, '', 'x', 7, 'telnet'],
  ];
  for (const [argv, env, rc, host, port, kind] of rows) {
    const s = server(argv, env, rc);
    assert.deepEqual([s.host, s.port, s.kind], [host, port, kind], `${argv.join(' ')} ${JSON.stringify(env)} ${rc}`);
  }
});

test('no server for the method, bad values: CONFIG / USAGE errors', () => {
  const rows: [string[], Env, string, string, RegExp][] = [
    [['-s'], {}, '', 'CONFIG', /SOCKS server/],
    [['-h'], {}, '', 'CONFIG', /http proxy server/],
    [['-t'], {}, 'TELNET_PROXY=t\n', 'CONFIG', /telnet proxy server/],
    [['-s'], { SOCKS5_SERVER: '' }, '', 'CONFIG', /empty host/],
    [['-h'], { HTTP_PROXY: 'p:x' }, '', 'CONFIG', /HTTP_PROXY/],
    [['-S', 'p:0'], {}, '', 'USAGE', /-S/],
    [['-S', 'p'], { SOCKS5_RESOLVE: 'bogus' }, '', 'CONFIG', /Invalid resolve method: bogus/],
    [['-S', 'p', '-a', 'none,'], {}, '', 'USAGE', /Empty auth/],
    [['-S', 'p', '-a', 'kerberos'], {}, '', 'USAGE', /Unknown auth method/],
    [['-S', 'p'], { SOCKS5_AUTH: 'x' }, '', 'CONFIG', /Unknown auth method/],
    [['-S', 'p', '-x', 'socks5://a'], {}, '', 'USAGE', /-x/],
    [['-x', 'ftp://a'], {}, '', 'USAGE', /scheme/],
    [[], { CONNECT_PROXY: 'zz://a' }, '', 'CONFIG', /CONNECT_PROXY/],
    [[], { CONNECT_KEEPALIVE: 'soon' }, '', 'CONFIG', /CONNECT_KEEPALIVE/],
  ];
  for (const [argv, env, rc, code, msg] of rows) {
    assert.throws(() => build(argv, env, rc), { code, message: msg }, `${argv.join(' ')} ${JSON.stringify(env)}`);
  }
});

test('direct method: no hops', () => {
  for (const argv of [[], ['-n'], ['-S', 'p', '-n']]) {
    assert.deepEqual(build(argv, { SOCKS5_SERVER: 's' }).tunnel.hops, [], argv.join(' '));
  }
});

test('user precedence', () => {
  const all = { SOCKS5_USER: 's5', SOCKS4_USER: 's4', SOCKS_USER: 's', HTTP_PROXY_USER: 'h', CONNECT_USER: 'c' };
  const rows: [string[], Env, string, string | undefined][] = [
    [['-S', 'spec@p'], all, '', 'spec'],
    [['-S', '@p'], all, '', ''],
    [['-S', 'p'], all, '', 's5'],
    [['-4S', 'p'], all, '', 's4'],
    [['-S', 'p'], { ...all, SOCKS5_USER: undefined }, '', 's'],
    [['-4S', 'p'], { SOCKS5_USER: 's5', CONNECT_USER: 'c' }, '', 'c'],
    [['-S', 'p'], {}, '', 'login'],
    [['-S', 'p'], {}, 'SOCKS5_USER=rc\n', 'rc'],
    [['-4S', 'p'], {}, 'SOCKS4_USER=rc\nCONNECT_USER=rcc\n', 'rcc'],
    [['-S', 'p'], { SOCKS_USER: 'env' }, 'SOCKS5_USER=rc\n', 'rc'],
    [['-H', 'p'], all, '', 'h'],
    [['-H', 'p'], { SOCKS_USER: 's', CONNECT_USER: 'c' }, '', 'c'],
    [['-H', 'u@p'], all, '', 'u'],
    [['-H', 'p'], {}, '', 'login'],
    [['-T', 'p'], all, '', undefined],
  ];
  for (const [argv, env, rc, user] of rows) {
    assert.equal(server(argv, env, rc).user, user, `${argv.join(' ')} ${JSON.stringify(env)} ${rc}`);
  }
});

test('password precedence', () => {
  const all = { SOCKS5_PASSWD: 'p1', SOCKS5_PASSWORD: 'p2', HTTP_PROXY_PASSWORD: 'hp', CONNECT_PASSWORD: 'cp' };
  const rows: [string[], Env, string, string | undefined][] = [
    [['-S', 'p'], all, '', 'p1'],
    [['-S', 'p'], { ...all, SOCKS5_PASSWD: undefined }, '', 'p2'],
    [['-S', 'p'], { CONNECT_PASSWORD: 'cp', HTTP_PROXY_PASSWORD: 'hp' }, '', 'cp'],
    [['-S', 'p'], {}, '', undefined],
    [['-S', 'p'], {}, 'SOCKS5_PASSWORD=rc\n', 'rc'],
    [['-4S', 'p'], all, '', undefined],
    [['-H', 'p'], all, '', 'hp'],
    [['-H', 'p'], { SOCKS5_PASSWD: 'p1', CONNECT_PASSWORD: 'cp' }, '', 'cp'],
    [['-H', 'p'], {}, '', undefined],
  ];
  for (const [argv, env, rc, pw] of rows) {
    assert.equal(server(argv, env, rc).password, pw, `${argv.join(' ')} ${JSON.stringify(env)} ${rc}`);
  }
});

test('resolve precedence and defaults', () => {
  const rows: [string[], Env, string, string | undefined][] = [
    [['-S', 'p'], {}, 'remote', undefined],
    [['-4S', 'p'], {}, 'local', undefined],
    [['-S', 'p'], { SOCKS5_RESOLVE: 'LOCAL', SOCKS_RESOLVE: 'both' }, 'local', undefined],
    [['-S', 'p'], { SOCKS4_RESOLVE: 'local', SOCKS_RESOLVE: 'both' }, 'both', undefined],
    [['-4S', 'p'], { SOCKS4_RESOLVE: 'remote' }, 'remote', undefined],
    [['-S', 'p', '-R', 'Local'], { SOCKS5_RESOLVE: 'remote' }, 'local', undefined],
    [['-S', 'p', '-R', 'bogus'], { SOCKS5_RESOLVE: 'both' }, 'both', undefined],
    [['-S', 'p', '-R', '8.8.8.8'], {}, 'local', '8.8.8.8'],
    [['-S', 'p'], { SOCKS_RESOLVE: '1.1.1.1' }, 'local', '1.1.1.1'],
    [['-H', 'p', '-R', 'local'], {}, 'remote', undefined],
    [['-T', 'p'], { SOCKS_RESOLVE: 'local' }, 'remote', undefined],
  ];
  for (const [argv, env, mode, dns] of rows) {
    const c = build(argv, env);
    const s = c.tunnel.hops[0]!.candidates.map(asProxy)[0]!;
    assert.deepEqual([s.resolve, c.tunnel.dnsServer], [mode, dns], `${argv.join(' ')} ${JSON.stringify(env)}`);
  }
  assert.deepEqual(build(['-S', 'p', '-R', 'bogus']).warnings, ["ignoring unknown resolve method 'bogus' (-R)"]);
  assert.equal(parseResolve('BOTH')?.mode, 'both');
  assert.equal(parseResolve('1.2.3'), undefined);
});

test('direct list precedence', () => {
  const all = { SOCKS5_DIRECT: 's5', SOCKS4_DIRECT: 's4', SOCKS_DIRECT: 's', HTTP_DIRECT: 'h', CONNECT_DIRECT: 'c' };
  const rows: [string[], Env, string][] = [
    [['-S', 'p'], all, 's5'],
    [['-4S', 'p'], all, 's4'],
    [['-S', 'p'], { ...all, SOCKS5_DIRECT: undefined }, 's'],
    [['-S', 'p'], { HTTP_DIRECT: 'h', CONNECT_DIRECT: 'c' }, 'c'],
    [['-H', 'p'], all, 'h'],
    [['-H', 'p'], { SOCKS_DIRECT: 's', CONNECT_DIRECT: 'c' }, 'c'],
    [['-T', 'p'], all, 'c'],
  ];
  for (const [argv, env, name] of rows) {
    assert.deepEqual(build(argv, env).tunnel.direct, [{ type: 'name', name, negative: false }], argv.join(' '));
  }
  assert.deepEqual(build(['-S', 'p'], {}, 'SOCKS_DIRECT=rc\n').tunnel.direct, [{ type: 'name', name: 'rc', negative: false }]);
});

test('-D adds local networks after the configured list', () => {
  const a = args(['-D', '-S', 'p', 't', '1']);
  const c = buildConfig(a, {
    ...inputs({ SOCKS5_DIRECT: '!10.0.0.9' }),
    networkInterfaces: { eth0: [{ address: '10.0.0.5', netmask: '255.255.255.0', family: 'IPv4' }] },
  });
  assert.deepEqual(c.tunnel.direct.map((r) => r.negative), [true, false]);
  assert.equal(c.tunnel.direct[1]!.type, 'net');
});

test('SOCKS5 auth list', () => {
  const rows: [string[], Env, string[]][] = [
    [['-S', 'p'], {}, ['none', 'userpass']],
    [['-S', 'p', '-a', 'userpass'], { SOCKS5_AUTH: 'none' }, ['userpass']],
    [['-S', 'p'], { SOCKS5_AUTH: ' none , gssapi,chap' }, ['none', 'gssapi', 'chap']],
    [['-S', 'p'], {}, ['none', 'userpass']],
  ];
  for (const [argv, env, want] of rows) assert.deepEqual(server(argv, env).socks5Auth, want, argv.join(' '));
  assert.equal(server(['-4S', 'p', '-a', 'none']).socks5Auth, undefined);
  assert.deepEqual(parseSocks5Auth('user,n'), ['userpass', 'none']);
  assert.throws(() => parseSocks5Auth(new Array(11).fill('none').join(',')), /Too many/);
});

test('other options: -w, -p, -c, -k, askpass, debug, warnings', () => {
  const c = build(['-dd', '-w', '7', '-P', '0.0.0.0:2222', '-k', '15', '-T', 't', '-c', 'open %h %p'], { SSH_ASKPASS: '/bin/ask' }, 'BAD\n');
  assert.equal(c.tunnel.timeoutMs, 7000);
  assert.equal(c.tunnel.keepAliveMs, 15000);
  assert.deepEqual(c.listen, { host: '0.0.0.0', port: 2222, hold: true });
  assert.equal(c.tunnel.hops[0]!.candidates.map(asProxy)[0]!.telnetCommand, 'open %h %p');
  assert.equal(c.askpass, '/bin/ask');
  assert.equal(c.debugLevel, 2);
  assert.deepEqual(c.warnings, ['rc:1: missing equal sign']);
  assert.deepEqual(c.tunnel.target, { host: 'target', port: 22 });
  assert.equal(server(['-t'], { TELNET_PROXY: 't' }).telnetCommand, 'telnet %h %p');
  const d = build([], {}, 'CONNECT_KEEPALIVE=20\n');
  assert.deepEqual([d.tunnel.keepAliveMs, d.tunnel.timeoutMs, d.listen], [20000, undefined, undefined]);
  assert.equal(build(['-w', '0']).tunnel.timeoutMs, undefined);
});

test('failover candidates in classic specs', () => {
  const c = build(['-S', 'a:1,u@b']);
  assert.deepEqual(c.tunnel.hops[0]!.candidates.map(asProxy).map((s) => [s.host, s.port, s.user]), [['a', 1, 'login'], ['b', 1080, 'u']]);
});

test('-x URLs, CONNECT_PROXY and NO_PROXY', () => {
  const c = build(['-x', 'socks5h://u:pw@a:1,socks4://b', '-x', 'https://h', '--insecure'], { NO_PROXY: '.lan', no_proxy: '.home' });
  assert.equal(c.tunnel.hops.length, 2);
  assert.deepEqual(c.tunnel.hops[0]!.candidates.map(asProxy).map((s) => [s.kind, s.host, s.port, s.resolve, s.user, s.password]),
    [['socks5', 'a', 1, 'remote', 'u', 'pw'], ['socks4', 'b', 1080, 'local', 'login', undefined]]);
  assert.deepEqual(c.tunnel.hops[0]!.candidates.map(asProxy)[0]!.socks5Auth, ['none', 'userpass']);
  const h = c.tunnel.hops[1]!.candidates.map(asProxy)[0]!;
  assert.deepEqual([h.kind, h.port, h.tlsVerify], ['https', 443, false]);
  assert.deepEqual(c.tunnel.direct, [{ type: 'name', name: 'home', negative: false }]);
  const rows: [string[], Env, string, number][] = [
    [[], { CONNECT_PROXY: 'http://p:8080' }, '', 1],
    [[], { CONNECT_PROXY: 'socks5://a http://b' }, '', 2],
    [[], {}, 'CONNECT_PROXY=socks5://rc\n', 1],
    [['-n'], { CONNECT_PROXY: 'http://p' }, '', 0],
    [['-x', 'http://x'], { CONNECT_PROXY: 'http://p socks5://q' }, '', 1],
  ];
  for (const [argv, env, rc, hops] of rows) assert.equal(build(argv, env, rc).tunnel.hops.length, hops, argv.join(' ') + JSON.stringify(env));
  const e = build(['-x', 'http://p'], { HTTP_PROXY_USER: 'hu', HTTP_PROXY_PASSWORD: 'hp' }, 'NO_PROXY=rc.lan\n');
  const s = e.tunnel.hops[0]!.candidates.map(asProxy)[0]!;
  assert.deepEqual([s.user, s.password, s.tlsVerify], ['hu', 'hp', undefined]);
  assert.deepEqual(e.tunnel.direct, [{ type: 'name', name: 'rc.lan', negative: false }]);
  assert.equal(build(['-x', 'https://p']).tunnel.hops[0]!.candidates.map(asProxy)[0]!.tlsVerify, true);
});

test('preflight: missing server fails even without a host', () => {
  const r = parseArgs(['-h'], { programName: 'connect' });
  assert.equal(r.kind, 'usage');
  const options = (r as { options: OptionArgs }).options;
  assert.throws(() => preflight(options, inputs()), { code: 'CONFIG' });
  assert.deepEqual(preflight(options, inputs({ HTTP_PROXY: 'p' }, 'X\n')), ['rc:1: missing equal sign']);
});

test('-H https://…: an HTTPS proxy (TLS), default port 443; not for SOCKS', () => {
  const cases: [string[], Env, [string, number, string | undefined, boolean | undefined]][] = [
    [['-H', 'https://u@p.example:8443/path', 't', '22'], {}, ['https', 8443, 'u', true]],
    [['-H', 'HTTPS://p.example', 't', '22'], {}, ['https', 443, 'login', true]],
    [['-H', 'https://p.example', '--insecure', 't', '22'], {}, ['https', 443, 'login', false]],
    [['-h', 't', '22'], { HTTP_PROXY: 'https://p.example:3129/' }, ['https', 3129, 'login', true]],
    [['-H', 'http://p.example', 't', '22'], {}, ['http', 80, 'login', undefined]],
  ];
  for (const [argv, env, expected] of cases) {
    const p = build(argv, env).tunnel.hops[0]!.candidates.map(asProxy)[0]!;
    assert.deepEqual([p.kind, p.port, p.user, p.tlsVerify], expected, argv.join(' '));
  }
  assert.throws(() => build(['-S', 'https://p.example', 't', '22']), /HTTP proxy/);
});
