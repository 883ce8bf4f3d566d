// Fetching PAC files from loopback servers: sizes, redirects, charsets,
// timeouts, TLS; and from files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { execFileSync } from 'node:child_process';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ConnectError } from '../../src/errors.js';
import { fetchPac } from '../../src/pac/fetch.js';
import { MAX_PAC_BYTES } from '../../src/pac/fetched.js';
import { parsePacUrl } from '../../src/pac/source.js';
import { requireBinary, tempDir } from '../helpers/process.js';
import { testCa } from '../helpers/test-ca.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(t: { after(fn: () => unknown): void }, handler: Handler, tls = false): Promise<{ base: string; hits: string[] }> {
  const hits: string[] = [];
  const wrapped: Handler = (req, res) => {
    hits.push(`${req.method} ${req.url} via ${req.headers.host}`);
    handler(req, res);
  };
  const server = tls ? createTlsServer({ ...testCa().server }, wrapped) : createServer(wrapped);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }));
  return { base: `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

const PAC = 'function FindProxyForURL(url, host) { return "DIRECT"; }';
const loc = (url: string) => parsePacUrl(`pac+${url}`, 'test', 'USAGE');

async function assertFails(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ConnectError, String(err));
    assert.equal(err.code, 'PAC');
    assert.match(err.message, pattern);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  });
}

test('a PAC file over HTTP, decoded by the charset the server names', async (t) => {
  const { base, hits } = await serve(t, (_req, res) => {
    res.setHeader('content-type', 'application/x-ns-proxy-autoconfig; charset=iso-8859-1');
    res.end(Buffer.from(`// ${'é'}\n${PAC}`, 'latin1'));
  });
  const got = await fetchPac(loc(`${base}/proxy.pac`), { timeoutMs: 5000 });
  assert.equal(got.text, `// é\n${PAC}`);
  assert.equal(got.from, `pac+${base}/proxy.pac`);
  assert.deepEqual(hits, [`GET /proxy.pac via ${base.slice('http://'.length)}`]);
});

test('redirects: followed up to three times, never from https to http', async (t) => {
  const { base } = await serve(t, (req, res) => {
    const n = Number(/^\/r(\d+)$/.exec(req.url ?? '')?.[1] ?? -1);
    if (n > 0) {
      res.writeHead(302, { location: `/r${n - 1}` });
      res.end();
    } else {
      res.end(PAC);
    }
  });
  assert.equal((await fetchPac(loc(`${base}/r3`), { timeoutMs: 5000 })).from, `pac+${base}/r0`);
  await assertFails(fetchPac(loc(`${base}/r4`), { timeoutMs: 5000 }), /more than 3 redirects/);
  const tls = await serve(t, (_req, res) => {
    res.writeHead(301, { location: `${base}/r0` });
    res.end();
  }, true);
  await assertFails(fetchPac(loc(`${tls.base}/p.pac`), { timeoutMs: 5000, insecure: true }), /redirect from https to http refused/);
});

test('errors: HTTP status, size over 1 MiB (declared or streamed), no answer in time', async (t) => {
  const { base } = await serve(t, (req, res) => {
    if (req.url === '/missing') {
      res.writeHead(404, 'Not Found');
      res.end('nope');
    } else if (req.url === '/declared') {
      res.writeHead(200, { 'content-length': String(MAX_PAC_BYTES + 1) });
      res.write('x');
    } else if (req.url === '/streamed') {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 << 10, 0x20);
      let sent = 0;
      const more = () => {
        while (sent <= MAX_PAC_BYTES && res.write(chunk)) sent += chunk.length;
        if (sent <= MAX_PAC_BYTES) res.once('drain', more);
      };
      res.on('error', () => {});
      more();
    } else {
      // /hang: headers never come
    }
  });
  await assertFails(fetchPac(loc(`${base}/missing`), { timeoutMs: 5000 }), /HTTP 404 Not Found/);
  await assertFails(fetchPac(loc(`${base}/declared`), { timeoutMs: 5000 }), /larger than 1 MiB/);
  await assertFails(fetchPac(loc(`${base}/streamed`), { timeoutMs: 5000 }), /larger than 1 MiB/);
  await assertFails(fetchPac(loc(`${base}/hang`), { timeoutMs: 300 }), /no answer within 300 ms/);
  await assertFails(fetchPac(loc('http://127.0.0.1:1/p.pac'), { timeoutMs: 5000 }), /ECONNREFUSED/);
});

test('https: verified (an untrusted certificate fails with a hint), --insecure skips it', async (t) => {
  const { base } = await serve(t, (_req, res) => res.end(PAC), true);
  await assertFails(fetchPac(loc(`${base}/p.pac`), { timeoutMs: 5000 }), /certificate.*NODE_EXTRA_CA_CERTS/);
  assert.equal((await fetchPac(loc(`${base}/p.pac`), { timeoutMs: 5000, insecure: true })).text, PAC);
});

test('pac+file: read, bounded, errors on one line', async (t) => {
  const dir = tempDir('pacfile');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'ok.pac'), PAC);
  writeFileSync(join(dir, 'big.pac'), Buffer.alloc(MAX_PAC_BYTES + 1, 0x20));
  assert.equal((await fetchPac(loc(`file://${dir}/ok.pac`), { timeoutMs: 5000 })).text, PAC);
  await assertFails(fetchPac(loc(`file://${dir}/big.pac`), { timeoutMs: 5000 }), /larger than 1 MiB/);
  await assertFails(fetchPac(loc(`file://${dir}/none.pac`), { timeoutMs: 5000 }), /ENOENT/);
  await assertFails(fetchPac(loc(`file://${dir}`), { timeoutMs: 5000 }), /EISDIR/);
});

test('pac+file: a FIFO is read without blocking the process (its writer comes later, timers still run)', { skip: requireBinary('mkfifo'), timeout: 10_000 }, async (t) => {
  const dir = tempDir('pacfifo');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fifo = join(dir, 'proxy.pac');
  execFileSync('mkfifo', [fifo]);
  const reading = fetchPac(loc(`file://${fifo}`), { timeoutMs: 5000 });
  // Only a process whose event loop still runs gets here and writes.
  await new Promise((resolve) => setTimeout(resolve, 50));
  writeFileSync(fifo, PAC);
  assert.equal((await reading).text, PAC);
});
