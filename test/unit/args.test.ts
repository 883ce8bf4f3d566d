import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, portFromProgramName, usageText, VERSION, type ParseResult } from '../../src/cli/args.js';
import { parseServices, servicesLookup } from '../../src/config/services.js';

const lookupPort = servicesLookup('ssh\t\t22/tcp\t\t\t# SSH\nsmtp 25/tcp mail\nfoo 99/udp\n');
const parse = (argv: string[], programName = 'connect'): ParseResult => parseArgs(argv, { programName, lookupPort });

function run(argv: string[], programName?: string) {
  const r = parse(argv, programName);
  assert.equal(r.kind, 'run', JSON.stringify(r));
  return (r as Extract<ParseResult, { kind: 'run' }>).args;
}

test('host, port and method: last one wins', () => {
  const rows: [string[], string, string | undefined, number][] = [
    [['h', '22'], 'direct', undefined, 22],
    [['-s', 'h', '22'], 'socks', undefined, 22],
    [['-S', 'p', 'h', '22'], 'socks', 'p', 22],
    [['-dS', 'p', 'h', '22'], 'socks', 'p', 22],
    [['-Sp:1', 'h', '22'], 'socks', 'p:1', 22],
    [['-H', 'p', '-n', 'h', '22'], 'direct', 'p', 22],
    [['-S', 'a', '-h', 'h', '22'], 'http', 'a', 22],
    [['-h', '-T', 't', 'h', '22'], 'telnet', 't', 22],
    [['-t', 'h', 'ssh'], 'telnet', undefined, 22],
    [['-S', '-V', 'h', '22'], 'socks', '-V', 22],
  ];
  for (const [argv, method, server, port] of rows) {
    const a = run(argv);
    assert.deepEqual([a.method, a.server, a.host, a.port], [method, server, 'h', port], argv.join(' '));
  }
});

test('flags: -4/-5 anywhere, counted -d, -D, -x, -k, --insecure', () => {
  const rows: [string[], Partial<Record<string, unknown>>][] = [
    [['-4dS', 'p', 'h', '1'], { socksVersion: 4, debugLevel: 1 }],
    [['-4', '-5', 'h', '1'], { socksVersion: 5 }],
    [['-dd', 'h', '1'], { debugLevel: 2 }],
    [['-d', '-d', '-d', 'h', '1'], { debugLevel: 3 }],
    [['-D', 'h', '1'], { localNets: true }],
    [['-x', 'socks5://a', '-x', 'http://b', 'h', '1'], { proxyUrls: ['socks5://a', 'http://b'] }],
    [['-k', '30', '--insecure', 'h', '1'], { keepAliveSecs: 30, insecure: true }],
    [['-w', '5', '-R', 'Remote', '-a', 'none', 'h', '1'], { timeoutSecs: 5, resolve: 'Remote', socks5Auth: 'none' }],
    [['-c', 'connect %h %p', 'h', '1'], { telnetCommand: 'connect %h %p' }],
    [['h', '1', '-4'], { socksVersion: 5 }],
  ];
  for (const [argv, want] of rows) {
    const a = run(argv) as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(want)) assert.deepEqual(a[k], v, `${argv.join(' ')}: ${k}`);
  }
});

test('-p / -P: port, service, addr:port, hold', () => {
  const rows: [string[], unknown][] = [
    [['-p', '5550'], { host: '127.0.0.1', port: 5550, hold: false }],
    [['-P', 'ssh'], { host: '127.0.0.1', port: 22, hold: true }],
    [['-p', '0.0.0.0:5550'], { host: '0.0.0.0', port: 5550, hold: false }],
    [['-p', '[::1]:5550'], { host: '::1', port: 5550, hold: false }],
    [['-P', '1', '-p', '2'], { host: '127.0.0.1', port: 2, hold: true }],
  ];
  for (const [argv, want] of rows) assert.deepEqual(run([...argv, 'h', '1']).listen, want, argv.join(' '));
});

test('port from program name', () => {
  const rows: [string, string[], number][] = [
    ['connect-25', ['h'], 25],
    ['/usr/bin/connect-25.exe', ['h'], 25],
    ['connect-smtp', ['h'], 25],
    ['connect-25', ['h', '22'], 22],
  ];
  for (const [prog, argv, port] of rows) assert.equal(run(argv, prog).port, port, prog);
  assert.equal(portFromProgramName('C:\\bin\\connect-80.exe'), '80');
  assert.equal(portFromProgramName('connect'), undefined);
});

test('usage, version and errors', () => {
  const rows: [string[], string, RegExp?][] = [
    [[], 'usage'],
    [['-S', 'p', '-d'], 'usage'],
    [['-V'], 'version'],
    [['-d', '-V', 'h', '1'], 'version'],
    [['--version'], 'version'],
    [['--help'], 'help'],
    [['-dd', '--help', 'h', '1'], 'help'],
    [['-S', 'p', '--help'], 'help'],
    [['-h', 'h', '1'], 'run'],
    [['-Q', 'h', '1'], 'error', /unknown option '-Q'/],
    [['-S'], 'error', /option '-S' needs argument/],
    [['h'], 'error', /destination port/],
    [['h', 'nosuchservice'], 'error', /destination port/],
    [['h', '0'], 'error', /destination port/],
    [['h', '65536'], 'error', /destination port/],
    [['h', 'foo'], 'error', /destination port/],
    [['-w', 'x', 'h', '1'], 'error', /-w/],
    [['-p', 'nosuch', 'h', '1'], 'error', /local port/],
    [['', '1'], 'error', /empty/],
  ];
  for (const [argv, kind, msg] of rows) {
    const r = parse(argv);
    assert.equal(r.kind, kind, argv.join(' '));
    if (msg && r.kind === 'error') assert.match(r.message, msg);
  }
  assert.deepEqual(parse(['-V']), { kind: 'version', to: 'stderr' });
  assert.deepEqual(parse(['--version']), { kind: 'version', to: 'stdout' });
  assert.match(usageText('connect-proxy'), /^usage: connect-proxy \[-dnhst45\]/);
  assert.match(VERSION, /Version 1\.105/);
});

test('services parser: tcp only, aliases, first wins', () => {
  const m = parseServices('a 1/tcp b c\na 2/tcp\nd 3/udp\n# x 4/tcp\n');
  assert.deepEqual([...m], [['a', 1], ['b', 1], ['c', 1]]);
});

test('the fast tokeniser gives exactly what commander gives, on 20,000 random command lines', async () => {
  const { simpleTokens, commanderTokens } = await import('../../src/cli/args.js');
  const words = ['-S', '-H', '-T', '-R', '-a', '-p', '-P', '-w', '-c', '-x', '-k', '-n', '-s', '-h', '-t', '-4', '-5',
    '-d', '-D', '--insecure', '-dd', '-4S', '-Sp:1', '--', '-', '-Q', 'host', '22', 'p:1080', 'u@p', 'remote', ''];
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let compared = 0;
  for (let n = 0; n < 20_000; n++) {
    const argv = Array.from({ length: Math.floor(next() * 7) }, () => words[Math.floor(next() * words.length)]!);
    const fast = simpleTokens(argv);
    if (!fast) continue;
    compared++;
    assert.deepEqual(fast, commanderTokens(argv, 'connect'), JSON.stringify(argv));
  }
  assert.ok(compared > 5_000, `only ${compared} lines took the fast path`);
});
