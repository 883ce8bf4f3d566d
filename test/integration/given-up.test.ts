// A stream a dialer gives up is destroyed at once (issue #10, finding 1):
// after an HTTP 407 the first proxy connection is closed before the retry,
// so a proxy (or firewall) that later resets it cannot end the session with
// an uncaught ECONNRESET. Direct to the proxy, and as the second hop of a
// chain (the given-up stream is then a tunnel through the first hop).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import { httpScript, perConnection, startFakeProxy, type Step } from '../helpers/fake-proxy.js';
import { spawnConnect } from '../helpers/run.js';

const BANNER = 'SSH-2.0-after-407\r\n';
const CHALLENGE = { 'Proxy-Authenticate': 'Basic realm="fake"' };

/** Connection 0: 407, keep it open, reset it a second later. Connection 1: 200 + banner, then echo. */
const script = perConnection(
  [...httpScript({ status: 407, headers: CHALLENGE }).filter((s) => !('close' in s)), { delay: 1000 }, { reset: true } as Step],
  httpScript({ status: 200, banner: BANNER, echo: true }),
);

/** Reads until `text` has arrived; fails when the stream ends first. */
async function readUntil(stream: Readable, text: string): Promise<string> {
  let got = '';
  while (!got.includes(text)) {
    const chunk = await new Promise<Buffer>((resolve, reject) => {
      const onEnd = () => { stream.off('data', onData); reject(new Error(`output ended after ${JSON.stringify(got)}`)); };
      const onData = (d: Buffer) => { stream.off('end', onEnd); resolve(d); };
      stream.once('data', onData);
      stream.once('end', onEnd);
    });
    got += chunk.toString('latin1');
  }
  return got;
}

for (const chained of [false, true]) {
  test(`HTTP 407 ${chained ? 'on the second hop of a chain' : 'from the first proxy'}: the first connection is closed at once; its later reset does not touch the session`, async (t) => {
    const peer = await startFakeProxy('http', { script }, { t });
    const proxy = `http://alice@127.0.0.1:${peer.port}`;
    // The first hop passes a reset on: when its upstream is reset, it resets our connection too (as a firewall would).
    const route = chained ? ['-x', (await startFakeProxy('http', { passReset: true }, { t })).url, '-x', proxy] : ['-x', proxy];
    const run = spawnConnect([...route, 'target.example', '22'], { stdin: 'keep-open', stdout: 'stream', env: { HTTP_PROXY_PASSWORD: 'pw' } });
    const stdout = run.child.stdout!;
    const read = (text: string) => readUntil(stdout, text).catch(async (err: Error) => {
      throw new Error(`${err.message}; stderr: ${(await run.result).stderr}`);
    });
    assert.equal(await read(BANNER), BANNER);
    const first = await peer.connection(0);
    assert.ok(first.clientEnded, 'the connection given up after the 407 is still open during the session');
    await first.closed; // the script has reset it by now
    run.child.stdin!.write('still here\n');
    assert.equal(await read('\n'), 'still here\n');
    run.child.stdin!.end();
    stdout.resume();
    const r = await run.result;
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /ECONNRESET|Error|at /);
    assert.equal(peer.connections.length, 2);
  });
}
