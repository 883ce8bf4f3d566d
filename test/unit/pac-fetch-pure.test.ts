import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectError } from '../../src/errors.js';
import { charsetOf, decodePac } from '../../src/pac/decode.js';
import { parsePacUrl } from '../../src/pac/source.js';
import { hostDomain, pslSuffix, wpadCandidates } from '../../src/pac/wpad.js';
import { pacQuery } from '../../src/pac/decide.js';

test('charset from Content-Type', () => {
  const rows: [string | undefined, string | undefined][] = [
    [undefined, undefined],
    ['application/x-ns-proxy-autoconfig', undefined],
    ['text/plain; charset=UTF-8', 'utf-8'],
    ['text/plain;Charset="ISO-8859-1"', 'iso-8859-1'],
    ['text/plain; format=flowed; charset=windows-1252', 'windows-1252'],
    ['text/plain; charset=', undefined],
  ];
  for (const [type, want] of rows) assert.equal(charsetOf(type), want, String(type));
});

test('decoding: the server\'s charset, else UTF-8, else Latin-1', () => {
  const utf8 = Buffer.from('// café\nfunction FindProxyForURL(){return "DIRECT"}', 'utf8');
  const latin1 = Buffer.from('// café', 'latin1');
  const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('x', 'utf8')]);
  assert.equal(decodePac(utf8), utf8.toString('utf8'));
  assert.equal(decodePac(latin1), '// café');
  assert.equal(decodePac(bom), 'x');
  assert.equal(decodePac(latin1, 'text/plain; charset=iso-8859-1'), '// café');
  assert.equal(decodePac(Buffer.from([0xb1]), 'text/plain; charset=iso-8859-2'), 'ą');
  assert.equal(decodePac(Buffer.from('é', 'utf16le'), 'text/plain; charset=utf-16le'), 'é');
  // An unknown label: as if none were given.
  assert.equal(decodePac(latin1, 'text/plain; charset=no-such-charset'), '// café');
});

test('PAC URLs', () => {
  const ok: [string, string, string][] = [
    ['pac+file:///etc/proxy.pac', 'file', 'file:///etc/proxy.pac'],
    ['PAC+FILE:///etc/proxy.pac', 'file', 'file:///etc/proxy.pac'],
    ['pac+file://localhost/etc/proxy.pac', 'file', 'file:///etc/proxy.pac'],
    ['pac+http://wpad.corp/proxy.pac', 'http', 'http://wpad.corp/proxy.pac'],
    ['pac+https://pac.example:8443/a.pac?x=1', 'https', 'https://pac.example:8443/a.pac?x=1'],
    ['pac+http://[::1]:8080/p.pac', 'http', 'http://[::1]:8080/p.pac'],
  ];
  for (const [text, scheme, href] of ok) {
    const loc = parsePacUrl(text, '-x', 'USAGE');
    assert.equal(loc.scheme, scheme, text);
    assert.equal(loc.url.href, href, text);
  }
  const bad: [string, RegExp][] = [
    ['pac+ftp://x/p.pac', /expected pac\+file/],
    ['pac+file://server/share/p.pac', /names no other host/],
    ['pac+file:///', /no file path/],
    ['pac+http://', /not a URL|no host/],
    ['pac+http://user:secret@h/p.pac', /credentials/],
  ];
  for (const [text, why] of bad) {
    assert.throws(() => parsePacUrl(text, '-x', 'USAGE'), (err: unknown) => {
      assert.ok(err instanceof ConnectError);
      assert.equal(err.code, 'USAGE');
      assert.match(err.message, why);
      assert.doesNotMatch(err.message, /secret/);
      return true;
    }, text);
  }
});

test('the URL a script is asked about: https://host:port/, brackets for IPv6', () => {
  assert.deepEqual(pacQuery({ host: 'git.example.com', port: 22 }), { url: 'https://git.example.com:22/', host: 'git.example.com' });
  assert.deepEqual(pacQuery({ host: 'h', port: 443 }), { url: 'https://h:443/', host: 'h' });
  assert.deepEqual(pacQuery({ host: '2001:db8::1', port: 2222 }), { url: 'https://[2001:db8::1]:2222/', host: '2001:db8::1' });
});

test('WPAD candidates: most specific first, never at or above a public suffix', () => {
  const rows: [string, string[]][] = [
    ['lab.corp.example.com', ['wpad.lab.corp.example.com', 'wpad.corp.example.com', 'wpad.example.com']],
    ['eng.example.co.uk', ['wpad.eng.example.co.uk', 'wpad.example.co.uk']],
    ['example.co.uk', ['wpad.example.co.uk']],
    ['co.uk', []],
    ['com', []],
    ['corp', []],
    // The PSL's private section counts: wpad.github.io is some user's site.
    ['me.github.io', ['wpad.me.github.io']],
    ['Office.Example.ORG.', ['wpad.office.example.org', 'wpad.example.org']],
    // Names outside the list: its default rule (the last label is the suffix).
    ['lab.pactest.test', ['wpad.lab.pactest.test', 'wpad.pactest.test']],
    ['bad name', []],
    ['', []],
  ];
  for (const [domain, want] of rows) {
    assert.deepEqual(wpadCandidates(domain, pslSuffix), want.map((h) => `http://${h}/wpad.dat`), domain);
  }
});

test('the host\'s DNS domain: resolv.conf domain/search, else the host name', () => {
  const rows: [string, string, string | undefined][] = [
    ['nameserver 10.0.0.1\nsearch lab.corp.example.com corp.example.com\n', 'box', 'lab.corp.example.com'],
    ['domain corp.example.com\n', 'box', 'corp.example.com'],
    ['search a.example\ndomain b.example\n', 'box', 'b.example'],
    ['# search commented.example\n', 'box.home.example', 'home.example'],
    ['search .\n', 'box', undefined],
    ['', 'box', undefined],
    ['', 'box.', undefined],
  ];
  for (const [conf, host, want] of rows) assert.equal(hostDomain(conf, host), want, JSON.stringify([conf, host]));
});
