// The host name a Kerberos service principal (HTTP@name) is built from:
// CNAME records followed as browsers do, localhost never asked of DNS
// (RFC 6761 §6.3), addresses refused (no principal has one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalName } from '../../src/auth/kerberos.js';

const records: Record<string, string[]> = {
  'proxy.corp.example': ['lb.corp.example.'],
  'lb.corp.example': ['proxy-01.corp.example'],
  'loop.example': ['loop.example'],
};
const resolveCname = async (name: string) => {
  const r = records[name];
  if (!r) throw Object.assign(new Error(`queryCname ENODATA ${name}`), { code: 'ENODATA' });
  return r;
};

const cases: [string, string | undefined][] = [
  ['proxy.corp.example', 'proxy-01.corp.example'], // two CNAMEs followed, trailing dot dropped
  ['PROXY.corp.example.', 'proxy-01.corp.example'], // lower-cased, root dot dropped
  ['direct.corp.example', 'direct.corp.example'], // no CNAME: as given
  ['localhost', 'localhost'],
  ['squid.localhost', 'squid.localhost'],
  ['loop.example', 'loop.example'], // a CNAME loop ends after a bounded number of hops
  ['127.0.0.1', undefined],
  ['::1', undefined],
];

for (const [host, expected] of cases) {
  test(`canonicalName(${JSON.stringify(host)}) → ${JSON.stringify(expected)}`, async () => {
    assert.equal(await canonicalName(host, resolveCname), expected);
  });
}

test('canonicalName: names under localhost are never looked up', async () => {
  const asked: string[] = [];
  await canonicalName('localhost', async (n) => { asked.push(n); return []; });
  assert.deepEqual(asked, []);
});
