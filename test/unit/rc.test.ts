import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRc } from '../../src/config/rc.js';
import { makeParamLookup } from '../../src/config/env.js';

test('rc lines', () => {
  const rows: [string, [string, string][], string[]][] = [
    ['SOCKS5_SERVER=p:1\n', [['SOCKS5_SERVER', 'p:1']], []],
    ['  SOCKS5_SERVER \t=  p:1   # comment\n', [['SOCKS5_SERVER', 'p:1']], []],
    ['# only a comment\n\n   \n', [], []],
    ['HTTP_PROXY=http://p:3128/#x', [['HTTP_PROXY', 'http://p:3128/']], []],
    ['CONNECT_USER=\n', [['CONNECT_USER', '']], []],
    ['CONNECT_USER=a=b\n', [['CONNECT_USER', 'a=b']], []],
    ['NOEQUAL\nSOCKS_SERVER=s\n', [['SOCKS_SERVER', 's']], ['f:1: missing equal sign']],
    ['FOO=1\n', [], ["f:1: unknown parameter `FOO'"]],
    ['=x\n', [], ["f:1: unknown parameter `'"]],
    ['SOCKS4_USER=u\nTELNET_PROXY=t\n', [], ["f:1: unknown parameter `SOCKS4_USER'", "f:2: unknown parameter `TELNET_PROXY'"]],
    ['CONNECT_PROXY=socks5h://p\nNO_PROXY=.lan\nCONNECT_KEEPALIVE=30\n', [['CONNECT_PROXY', 'socks5h://p'], ['NO_PROXY', '.lan'], ['CONNECT_KEEPALIVE', '30']], []],
    ['SOCKS_SERVER=a\r\nSOCKS_SERVER=b\r\n', [['SOCKS_SERVER', 'b']], []],
    ['socks_server=a\n', [], ["f:1: unknown parameter `socks_server'"]],
  ];
  for (const [text, values, warnings] of rows) {
    const r = parseRc(text, 'f');
    assert.deepEqual([...r.values], values, JSON.stringify(text));
    assert.deepEqual(r.warnings, warnings, JSON.stringify(text));
  }
});

test('lookup: environment first, later rc file overrides earlier, env-only names', () => {
  const rc = [
    { path: '/etc/connectrc', text: 'SOCKS_SERVER=etc\nHTTP_PROXY=etc\nCONNECT_USER=etc\nBAD\n' },
    { path: '/home/u/.connectrc', text: 'HTTP_PROXY=home\n' },
  ];
  const env = { CONNECT_USER: 'env', SOCKS5_SERVER: '', SOCKS4_USER: 'e4' };
  const p = makeParamLookup(env, rc);
  const rows: [string, string | undefined][] = [
    ['SOCKS_SERVER', 'etc'],
    ['HTTP_PROXY', 'home'],
    ['CONNECT_USER', 'env'],
    ['SOCKS5_SERVER', ''],
    ['SOCKS4_USER', 'e4'],
    ['SOCKS_USER', undefined],
    ['SOCKS_RESOLVE', undefined],
  ];
  for (const [name, want] of rows) assert.equal(p.get(name), want, name);
  assert.deepEqual(p.warnings, ['/etc/connectrc:4: missing equal sign']);
  const envOnly = makeParamLookup({}, [{ path: 'r', text: 'TELNET_PROXY=t\n' }]);
  assert.equal(envOnly.get('TELNET_PROXY'), undefined);
});

test('an rc file of any size: at most MAX_RC_WARNINGS problems shown, then how many more; values still read', async () => {
  const { MAX_RC_WARNINGS } = await import('../../src/config/rc.js');
  const lines = 200_000;
  const text = `${'garbage\n'.repeat(lines)}SOCKS5_SERVER=p:1\n`;
  const r = parseRc(text, 'big');
  assert.equal(r.values.get('SOCKS5_SERVER'), 'p:1');
  assert.equal(r.warnings.length, MAX_RC_WARNINGS + 1);
  assert.deepEqual(r.warnings.slice(0, 2), ['big:1: missing equal sign', 'big:2: missing equal sign']);
  assert.equal(r.warnings.at(-1), `big: ${lines - MAX_RC_WARNINGS} more lines with problems not shown`);
  const p = makeParamLookup({}, [{ path: 'a', text }, { path: 'b', text }]);
  assert.equal(p.warnings.length, 2 * (MAX_RC_WARNINGS + 1));
});
