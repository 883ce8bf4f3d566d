import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chooseAuth, digestAuthorization, isStaleRetry, parseDigestChallenge, pickDigest, type Challenge, type DigestChallenge,
} from '../../src/auth/digest.js';

/** The parameters of a Digest header value (enough for our own output). */
function fields(header: string): Record<string, string> {
  assert.match(header, /^Digest /);
  const out: Record<string, string> = {};
  for (const m of header.slice(7).matchAll(/([\w*]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
    out[m[1]!] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!;
  }
  return out;
}

// RFC 7616 §3.9.1: the same request answered for SHA-256 and MD5.
const RFC7616 = {
  realm: 'http-auth@example.org', qop: 'auth, auth-int',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v', opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
};
const MUFASA = { method: 'GET', uri: '/dir/index.html', user: 'Mufasa', password: 'Circle of Life', cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ', nc: 1 };

function challenge(params: Record<string, string>): DigestChallenge {
  const c = parseDigestChallenge(params);
  assert.ok(c, 'challenge should be usable');
  return c;
}

test('RFC 7616 §3.9.1 MD5 example', () => {
  const f = fields(digestAuthorization(challenge({ ...RFC7616, algorithm: 'MD5' }), MUFASA));
  assert.equal(f.response, '8ca523f5e9506fed4657c9700eebdbec');
  assert.deepEqual(
    { username: f.username, realm: f.realm, uri: f.uri, algorithm: f.algorithm, nonce: f.nonce, nc: f.nc, cnonce: f.cnonce, qop: f.qop, opaque: f.opaque },
    { username: 'Mufasa', realm: RFC7616.realm, uri: '/dir/index.html', algorithm: 'MD5', nonce: RFC7616.nonce, nc: '00000001', cnonce: MUFASA.cnonce, qop: 'auth', opaque: RFC7616.opaque },
  );
});

test('RFC 7616 §3.9.1 SHA-256 example', () => {
  const f = fields(digestAuthorization(challenge({ ...RFC7616, algorithm: 'SHA-256' }), MUFASA));
  assert.equal(f.response, '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  assert.equal(f.algorithm, 'SHA-256');
});

// The RFC's own §3.9.2 hashes came from a pre-standard SHA-512/256; erratum 4897 corrects them.
test('RFC 7616 §3.9.2 (erratum 4897) SHA-512-256 with userhash', () => {
  const ch = challenge({
    realm: 'api@example.org', qop: 'auth', algorithm: 'SHA-512-256', userhash: 'true',
    nonce: '5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK', opaque: 'HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS',
  });
  const f = fields(digestAuthorization(ch, {
    method: 'GET', uri: '/doe.json', user: 'J\u00e4s\u00f8n Doe', password: 'Secret, or not?', cnonce: 'NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v', nc: 1,
  }));
  assert.equal(f.username, '793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b');
  assert.equal(f.response, '3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5');
  assert.equal(f.userhash, 'true');
});

test('RFC 2069 §2.4 example: no qop, no cnonce or nc sent', () => {
  const ch = challenge({ realm: 'testrealm@host.com', nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093' });
  const header = digestAuthorization(ch, { method: 'GET', uri: '/dir/index.html', user: 'Mufasa', password: 'CircleOfLife' });
  const f = fields(header);
  assert.equal(f.response, '1949323746fe6a43ef61f9606e7febea');
  assert.equal(f.qop, undefined);
  assert.equal(f.cnonce, undefined);
  assert.equal(f.nc, undefined);
});

test('RFC 2617 §3.5 example: qop=auth, MD5 by default', () => {
  const ch = challenge({ realm: 'testrealm@host.com', qop: 'auth,auth-int', nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', opaque: '5ccc069c403ebaf9f0171e9517f40e41' });
  const f = fields(digestAuthorization(ch, { method: 'GET', uri: '/dir/index.html', user: 'Mufasa', password: 'Circle Of Life', cnonce: '0a4f113b', nc: 1 }));
  assert.equal(f.response, '6629fae49393a05397450978507c4ef1');
});

test('-sess algorithms fold nonce and cnonce into HA1 (differs from the plain one)', () => {
  const plain = fields(digestAuthorization(challenge({ ...RFC7616, algorithm: 'MD5' }), MUFASA));
  const sess = fields(digestAuthorization(challenge({ ...RFC7616, algorithm: 'MD5-sess' }), MUFASA));
  assert.equal(sess.algorithm, 'MD5-sess');
  assert.notEqual(sess.response, plain.response);
  assert.match(sess.response!, /^[0-9a-f]{32}$/);
});

test('CONNECT authority-form uri, nc in 8 hex digits, random cnonce when not given', () => {
  const ch = challenge({ realm: 'proxy', nonce: 'n', qop: 'auth' });
  const a = fields(digestAuthorization(ch, { method: 'CONNECT', uri: '[::1]:22', user: 'u', password: 'p', nc: 26 }));
  const b = fields(digestAuthorization(ch, { method: 'CONNECT', uri: '[::1]:22', user: 'u', password: 'p', nc: 26 }));
  assert.equal(a.uri, '[::1]:22');
  assert.equal(a.nc, '0000001a');
  assert.match(a.cnonce!, /^[0-9a-f]{32}$/);
  assert.notEqual(a.cnonce, b.cnonce);
});

test('the password never appears in the header; quotes and control characters cannot escape', () => {
  const ch = challenge({ realm: 'r"x\r\nInjected: 1', nonce: 'n', qop: 'auth' });
  const header = digestAuthorization(ch, { method: 'CONNECT', uri: 'h:1', user: 'a"b', password: 's3cret-pw', cnonce: 'c' });
  assert.ok(!header.includes('s3cret-pw'));
  assert.ok(!/[\r\n]/.test(header));
  assert.equal(fields(header).username, 'a"b');
  assert.equal(fields(header).realm, 'r"xInjected: 1');
});

test('non-ASCII or control characters in the user name: username* (RFC 8187)', () => {
  const ch = challenge({ realm: 'r', nonce: 'n' });
  const header = digestAuthorization(ch, { method: 'CONNECT', uri: 'h:1', user: 'J\u00e4s\u00f8n\r\n', password: 'p' });
  assert.match(header, /username\*=UTF-8''J%C3%A4s%C3%B8n%0D%0A,/);
  assert.ok(!/[\r\n]/.test(header));
});

test('unusable challenges: no nonce, unknown algorithm, auth-int only', () => {
  assert.equal(parseDigestChallenge({ realm: 'r' }), undefined);
  assert.equal(parseDigestChallenge({ realm: 'r', nonce: 'n', algorithm: 'SHA-1' }), undefined);
  assert.equal(parseDigestChallenge({ realm: 'r', nonce: 'n', qop: 'auth-int' }), undefined);
  assert.equal(parseDigestChallenge({ nonce: 'n', algorithm: 'sha-256', stale: 'TRUE' })?.stale, true);
  assert.equal(parseDigestChallenge({ nonce: 'n', algorithm: 'sha-256' })?.algorithm, 'SHA-256');
});

const basic: Challenge = { scheme: 'Basic', params: { realm: 'r' } };
const md5: Challenge = { scheme: 'Digest', params: { realm: 'r', nonce: 'n1', algorithm: 'MD5', qop: 'auth' } };
const sha: Challenge = { scheme: 'digest', params: { realm: 'r', nonce: 'n2', algorithm: 'SHA-256', qop: 'auth' } };

test('pickDigest prefers the strongest algorithm, whatever the order', () => {
  assert.equal(pickDigest([md5, sha])?.algorithm, 'SHA-256');
  assert.equal(pickDigest([sha, md5])?.algorithm, 'SHA-256');
  assert.equal(pickDigest([basic, md5])?.nonce, 'n1');
  assert.equal(pickDigest([basic]), undefined);
});

test('chooseAuth: Digest over Basic; Basic alone; nothing usable', () => {
  assert.equal(chooseAuth([basic, md5]), 'digest');
  assert.equal(chooseAuth([md5, basic]), 'digest');
  assert.equal(chooseAuth([basic]), 'basic');
  assert.equal(chooseAuth([{ scheme: 'Digest', params: { realm: 'r', nonce: 'n', algorithm: 'SHA-1' } }, basic]), 'basic');
  assert.equal(chooseAuth([{ scheme: 'NTLM', params: {} }]), undefined);
  assert.equal(chooseAuth([]), undefined);
});

test('isStaleRetry: once, and only for stale=true', () => {
  const stale: Challenge = { scheme: 'Digest', params: { ...md5.params, nonce: 'n3', stale: 'true' } };
  assert.equal(isStaleRetry([stale], 0), true);
  assert.equal(isStaleRetry([stale], 1), false);
  assert.equal(isStaleRetry([md5], 0), false);
  assert.equal(isStaleRetry([basic], 0), false);
});
