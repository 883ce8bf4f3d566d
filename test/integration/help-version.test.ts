// --help and --version as everywhere (stdout, exit 0); -V stays connect.c's
// banner on stderr and -h stays connect.c's HTTP-proxy flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OPTIONS } from '../../src/cli/options.js';
import { VERSION } from '../../src/cli/args.js';
import { runConnect } from '../helpers/run.js';

test('--help prints usage and every documented option on stdout, exit 0', async () => {
  const r = await runConnect(['--help']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const out = r.stdout.toString();
  assert.match(out, /^connect --- simple relaying command via proxy\.\n/);
  assert.match(out, /\nusage: connect \[-dnhst45\]/);
  for (const o of OPTIONS) assert.ok(out.includes(`\n  ${o.flags}`), `${o.flags} missing from --help`);
});

test('--version prints the banner on stdout, -V on stderr; both exit 0', async () => {
  const long = await runConnect(['--version']);
  assert.equal(long.code, 0, long.stderr);
  assert.equal(long.stdout.toString(), `${VERSION}\n`);
  assert.equal(long.stderr, '');
  const short = await runConnect(['-V']);
  assert.equal(short.code, 0);
  assert.equal(short.stdout.length, 0);
  assert.equal(short.stderr, `${VERSION}\n`);
});

test('-h is still the HTTP-proxy flag (HTTP_PROXY from the environment)', async () => {
  const r = await runConnect(['-h', 'example.invalid', '22']);
  assert.equal(r.code, 1);
  assert.equal(r.stdout.length, 0);
  assert.match(r.stderr, /You must specify http proxy server/); // connect.c's words
});
