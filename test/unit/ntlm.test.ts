// NTLMv2 (MS-NLMP) and MD4 (RFC 1320) against their specifications' test
// vectors: §4.2.1 common values (User / Domain / Password, server challenge
// 0123456789abcdef, client challenge aaaaaaaaaaaaaaaa, time 0) and §4.2.4
// NTLMv2 results; RFC 1320 §A.5's test suite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { md4 } from '../../src/auth/md4.js';
import { hmacMd5, md5 } from '../../src/auth/md5.js';
import * as ntlm from '../../src/auth/ntlm.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** The inputs of the RFC 1320 and RFC 1321 §A.5 test suites (the same seven strings). */
const RFC_SUITE = ['', 'a', 'abc', 'message digest', 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', '1234567890'.repeat(8)];

/** Checks `digest` against the suite's expected hex digests, in RFC_SUITE's order. */
function checkSuite(digest: (data: Buffer) => Buffer, expected: string[]): void {
  RFC_SUITE.forEach((input, i) => assert.equal(digest(Buffer.from(input)).toString('hex'), expected[i], JSON.stringify(input)));
}

test('MD4: RFC 1320 §A.5 test suite', () => {
  checkSuite(md4, [
    '31d6cfe0d16ae931b73c59d7e0c089c0', 'bde52cb31de33e46245e05fbdbd6fb24', 'a448017aaf21d8525fc10ae87aa6729d',
    'd9130a8164549fe818874806e1c7014b', 'd79e1c308aa5bbcdeea8ed63df412da9', '043f8582f241db351ce627e153e7f0e4',
    'e33b4ddc9c38f2199c3e7b164fcc0536',
  ]);
});

test('MD4: lengths around the 56-byte padding boundary differ and are 16 bytes', () => {
  const seen = new Set<string>();
  for (let n = 50; n <= 130; n++) {
    const d = md4(Buffer.alloc(n, 0x61)).toString('hex');
    assert.equal(d.length, 32);
    seen.add(d);
  }
  assert.equal(seen.size, 81);
});

test('MD5: RFC 1321 §A.5 test suite, and node:crypto agreeing around the padding boundary', () => {
  checkSuite(md5, [
    'd41d8cd98f00b204e9800998ecf8427e', '0cc175b9c0f1b6a831c399e269772661', '900150983cd24fb0d6963f7d28e17f72',
    'f96b697d7cb7938d525a2f31aaf161d0', 'c3fcd3d76192e4007dfb496cca67e13b', 'd174ab98d277d9f5a5611c2c9f419d9f',
    '57edf4a22be3c955ac49da2e2107b67a',
  ]);
  for (let n = 0; n <= 200; n++) {
    const data = Buffer.alloc(n, n & 0xff);
    assert.equal(md5(data).toString('hex'), createHash('md5').update(data).digest('hex'), `length ${n}`);
  }
});

test('HMAC-MD5: RFC 2202 §2 test cases', () => {
  const cases: Array<[Buffer, Buffer, string]> = [
    [Buffer.alloc(16, 0x0b), Buffer.from('Hi There'), '9294727a3638bb1c13f48ef8158bfc9d'],
    [Buffer.from('Jefe'), Buffer.from('what do ya want for nothing?'), '750c783e6ab0b503eaa86e310a5db738'],
    [Buffer.alloc(16, 0xaa), Buffer.alloc(50, 0xdd), '56be34521d144c88dbb8c733f0e8b3f6'],
    [hex('0102030405060708090a0b0c0d0e0f10111213141516171819'), Buffer.alloc(50, 0xcd), '697eaf0aca3a3aea3a75164746ffaa79'],
    [Buffer.alloc(16, 0x0c), Buffer.from('Test With Truncation'), '56461ef2342edc00f9bab995690efd4c'],
    [Buffer.alloc(80, 0xaa), Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First'), '6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd'],
    [Buffer.alloc(80, 0xaa), Buffer.from('Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data'), '6f630fad67cda0ee1fb1f562db3aa53e'],
  ];
  for (const [key, data, mac] of cases) assert.equal(hmacMd5(key, data).toString('hex'), mac);
});

// §4.2.4.3 CHALLENGE_MESSAGE: flags e28a8233, TargetName "Server", AV pairs NbDomainName "Domain", NbComputerName "Server".
const MS_NLMP_CHALLENGE = hex(`
  4e544c4d53535000 02000000 0c000c00 38000000 33828ae2 0123456789abcdef 0000000000000000
  24002400 44000000 060070170000000f 530065007200760065007200
  02000c0044006f006d00610069006e00 01000c00530065007200760065007200 00000000`);
const MS_NLMP_TARGET_INFO = hex('02000c0044006f006d00610069006e0001000c0053006500720076006500720000000000');
const CLIENT = hex('aaaaaaaaaaaaaaaa');
const ZERO_TIME = Buffer.alloc(8);

test('NTOWFv1 (§4.2.2.1.2) and NTOWFv2 / ResponseKeyNT (§4.2.4.1.1)', () => {
  assert.equal(ntlm.ntHash('Password').toString('hex'), 'a4f49c406510bdcab6824ee7c30fd852');
  assert.equal(ntlm.ntowfv2(ntlm.ntHash('Password'), 'User', 'Domain').toString('hex'), '0c868a403bfd7a93a3001ef22ef02e3f');
  // The user is upper-cased, the domain is not (§3.3.2).
  assert.equal(ntlm.ntowfv2(ntlm.ntHash('Password'), 'user', 'Domain').toString('hex'), '0c868a403bfd7a93a3001ef22ef02e3f');
  assert.notEqual(ntlm.ntowfv2(ntlm.ntHash('Password'), 'User', 'DOMAIN').toString('hex'), '0c868a403bfd7a93a3001ef22ef02e3f');
});

test('parseChallenge: §4.2.4.3 challenge message', () => {
  const c = ntlm.parseChallenge(MS_NLMP_CHALLENGE);
  assert.equal(c.flags >>> 0, 0xe28a8233);
  assert.equal(c.serverChallenge.toString('hex'), '0123456789abcdef');
  assert.deepEqual(c.targetInfo, MS_NLMP_TARGET_INFO);
  assert.equal(c.timestamp, undefined);
  assert.deepEqual(ntlm.avPairs(c.targetInfo).map((p) => [p.id, p.value.toString('utf16le')]), [[2, 'Domain'], [1, 'Server']]);
});

/** Reads Type 3 security buffer `i` (0 LM, 1 NT, 2 domain, 3 user, 4 workstation). */
function field(m: Buffer, i: number): Buffer {
  const len = m.readUInt16LE(12 + i * 8);
  const off = m.readUInt32LE(16 + i * 8);
  return m.subarray(off, off + len);
}

test('authenticateMessage: §4.2.4.2 LMv2, NTProofStr, NtChallengeResponse and SessionBaseKey', () => {
  const negotiate = ntlm.negotiateMessage();
  const a = ntlm.authenticateMessage({
    challenge: ntlm.parseChallenge(MS_NLMP_CHALLENGE), negotiate, identity: { user: 'User', domain: 'Domain' },
    nt: ntlm.ntHash('Password'), clientChallenge: CLIENT, time: ZERO_TIME,
  });
  assert.equal(a.ntProof.toString('hex'), '68cd0ab851e51c96aabc927bebef6a1c');
  assert.equal(a.sessionBaseKey.toString('hex'), '8de40ccadbc14a82f15cb0ad0de95ca3');
  assert.equal(a.mic, false);
  const m = a.message;
  assert.equal(m.subarray(0, 12).toString('hex'), '4e544c4d5353500003000000');
  assert.equal(field(m, 0).toString('hex'), '86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa');
  assert.equal(field(m, 1).toString('hex'),
    '68cd0ab851e51c96aabc927bebef6a1c' + '01010000000000000000000000000000aaaaaaaaaaaaaaaa00000000'
    + '02000c0044006f006d00610069006e0001000c0053006500720076006500720000000000' + '00000000');
  assert.equal(field(m, 2).toString('utf16le'), 'Domain');
  assert.equal(field(m, 3).toString('utf16le'), 'User');
  assert.equal(field(m, 4).length, 0);
  assert.equal(m.readUInt32LE(60) & ntlm.FLAGS.UNICODE, ntlm.FLAGS.UNICODE);
  assert.equal(m.readUInt32LE(60) & (ntlm.FLAGS.LM_KEY | ntlm.FLAGS.KEY_EXCH), 0, 'no LM key, no key exchange');
  assert.ok(m.subarray(72, 88).equals(Buffer.alloc(16)), 'no MIC without a timestamp');
});

/** A challenge as squid's ntlm_fake_auth sends it: OEM, no target info. */
function oemChallenge(): Buffer {
  const m = Buffer.alloc(40);
  Buffer.from('NTLMSSP\0', 'latin1').copy(m);
  m.writeUInt32LE(2, 8);
  m.writeUInt32LE(ntlm.FLAGS.OEM | ntlm.FLAGS.NTLM | ntlm.FLAGS.ALWAYS_SIGN, 20);
  hex('0123456789abcdef').copy(m, 24);
  return m;
}

test('authenticateMessage: OEM challenge without target info → OEM strings, empty AV list, still NTLMv2', () => {
  const c = ntlm.parseChallenge(oemChallenge());
  assert.equal(c.targetInfo.length, 0);
  const a = ntlm.authenticateMessage({
    challenge: c, negotiate: ntlm.negotiateMessage(), identity: { user: 'User', domain: 'Domain' },
    nt: ntlm.ntHash('Password'), clientChallenge: CLIENT, time: ZERO_TIME,
  });
  const m = a.message;
  assert.equal(field(m, 2).toString('latin1'), 'Domain');
  assert.equal(field(m, 3).toString('latin1'), 'User');
  assert.equal(m.readUInt32LE(60) & (ntlm.FLAGS.UNICODE | ntlm.FLAGS.OEM), ntlm.FLAGS.OEM);
  const nt = field(m, 1);
  assert.equal(nt.length, 16 + 28 + 4);
  // Independent of the code under test: HMAC-MD5(NTOWFv2, server challenge || temp).
  const key = hex('0c868a403bfd7a93a3001ef22ef02e3f');
  const proof = createHmac('md5', key).update(Buffer.concat([hex('0123456789abcdef'), nt.subarray(16)])).digest();
  assert.deepEqual(nt.subarray(0, 16), proof);
});

test('parseChallenge: squid 5.7 ntlm_fake_auth\'s Type 2 (49 bytes, garbage offsets on empty fields)', () => {
  const c = ntlm.parseChallenge(Buffer.from('TlRMTVNTUAACAAAACQAJAK6qqqoHggigBWGYrCf+cnQAAAAAAAA6AFdPUktHUk9VUA==', 'base64'));
  assert.equal(c.flags >>> 0, 0xa0088207);
  assert.equal(c.serverChallenge.toString('hex'), '056198ac27fe7274');
  assert.equal(c.targetInfo.length, 0);
});

test('authenticateMessage: MsvAvTimestamp → server time used, LM is Z(24), MsvAvFlags MIC bit, MIC over Type 1|2|3', () => {
  const stamp = hex('0090d336b734c301');
  const info = Buffer.concat([MS_NLMP_TARGET_INFO.subarray(0, -4), hex('07000800'), stamp, hex('00000000')]);
  const challenge = Buffer.concat([MS_NLMP_CHALLENGE.subarray(0, 0x44), info]);
  challenge.writeUInt16LE(info.length, 40);
  challenge.writeUInt16LE(info.length, 42);
  const c = ntlm.parseChallenge(challenge);
  assert.deepEqual(c.timestamp, stamp);
  const negotiate = ntlm.negotiateMessage();
  const a = ntlm.authenticateMessage({ challenge: c, negotiate, identity: { user: 'User', domain: 'Domain' }, nt: ntlm.ntHash('Password'), clientChallenge: CLIENT, time: hex('ffffffffffffffff') });
  assert.equal(a.mic, true);
  const m = a.message;
  assert.ok(field(m, 0).equals(Buffer.alloc(24)));
  const temp = field(m, 1).subarray(16);
  assert.deepEqual(temp.subarray(8, 16), stamp, 'the server timestamp, not the clock');
  const pairs = ntlm.avPairs(temp.subarray(28));
  assert.deepEqual(pairs.find((p) => p.id === 6)?.value, hex('02000000'));
  const zeroed = Buffer.from(m);
  zeroed.fill(0, 72, 88);
  const mic = createHmac('md5', a.sessionBaseKey).update(Buffer.concat([negotiate, challenge, zeroed])).digest();
  assert.deepEqual(m.subarray(72, 88), mic);
});

test('negotiateMessage: Type 1 asks for NTLM and extended session security, never LM', () => {
  const m = ntlm.negotiateMessage();
  assert.equal(ntlm.messageType(m), 1);
  const flags = m.readUInt32LE(12);
  for (const f of [ntlm.FLAGS.NTLM, ntlm.FLAGS.EXTENDED_SESSIONSECURITY, ntlm.FLAGS.UNICODE, ntlm.FLAGS.OEM]) assert.equal(flags & f, f);
  assert.equal(flags & ntlm.FLAGS.LM_KEY, 0);
  assert.match(ntlm.describeFlags(flags), /^0x[0-9a-f]{8} \(UNICODE OEM .*NTLM/);
});

test('splitIdentity: DOMAIN\\user, UPN, bare name', () => {
  const cases: Array<[string, ntlm.Identity]> = [
    ['CORP\\alice', { user: 'alice', domain: 'CORP' }],
    ['alice@corp.example.com', { user: 'alice@corp.example.com', domain: '' }],
    ['alice', { user: 'alice', domain: '' }],
    ['corp.example.com\\bob', { user: 'bob', domain: 'corp.example.com' }],
  ];
  for (const [name, id] of cases) assert.deepEqual(ntlm.splitIdentity(name), id, name);
});

/** The OEM challenge with a TargetInfo field (TARGET_INFO flag set) holding `info`, its length field claiming `len`. */
function withInfo(info: Buffer, len = info.length): Buffer {
  const m = Buffer.concat([oemChallenge(), Buffer.alloc(8), info]);
  m.writeUInt32LE(m.readUInt32LE(20) | ntlm.FLAGS.TARGET_INFO, 20);
  m.writeUInt16LE(len, 40);
  m.writeUInt32LE(48, 44);
  return m;
}

test('parseChallenge: malformed messages → NtlmFormatError', () => {
  const bad: Array<[string, Buffer]> = [
    ['empty', Buffer.alloc(0)],
    ['wrong signature', Buffer.concat([Buffer.from('NTLMSSX\0'), Buffer.alloc(40)])],
    ['type 3', (() => { const m = oemChallenge(); m.writeUInt32LE(3, 8); return m; })()],
    ['target info outside', withInfo(Buffer.alloc(0), 200)],
    ['AV pair overrun', withInfo(hex('0200ff00'))],
    ['AV list without its end', withInfo(hex('02000000'))],
  ];
  for (const [name, m] of bad) assert.throws(() => ntlm.parseChallenge(m), ntlm.NtlmFormatError, name);
});

test('findNtlmssp: a raw token or one wrapped in SPNEGO', () => {
  const t2 = oemChallenge();
  assert.deepEqual(ntlm.findNtlmssp(t2), t2);
  assert.deepEqual(ntlm.findNtlmssp(Buffer.concat([hex('a181b73081b4a0030a0101a10c060a2b06010401823702020aa2819e04819b'), t2])), t2);
  assert.equal(ntlm.findNtlmssp(hex('6082')), undefined);
});

test('filetime: Unix epoch is 116444736000000000 ticks', () => {
  assert.equal(ntlm.filetime(0).readBigUInt64LE(), 116444736000000000n);
});
