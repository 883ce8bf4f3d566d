/**
 * The relay (SPEC §4): input → tunnel and tunnel → output, with
 * backpressure both ways. Input EOF half-closes the tunnel; the tunnel's
 * EOF (or reset) ends the output once every received byte is written.
 */
import type { Duplex, Readable, Writable } from 'node:stream';
import { hex, logger } from './log.js';

const log = logger('relay');
const dataLog = logger('data');

export interface RelayResult {
  /** Which side ended the session. */
  closedBy: 'remote' | 'output';
}

export function relay(tunnel: Duplex, input: Readable, output: Writable): Promise<RelayResult> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (closedBy: RelayResult['closedBy']) => {
      if (settled) return;
      settled = true;
      input.unpipe(tunnel);
      tunnel.unpipe(output);
      log('session closed by %s', closedBy);
      resolve({ closedBy });
    };
    if (dataLog.enabled) traceData(tunnel, input);
    log('relaying');

    input.pipe(tunnel, { end: false });
    input.once('end', () => {
      log('input closed; half-closing the tunnel');
      tunnel.end();
    });
    input.once('error', (err) => log('input error: %s', err.message));

    tunnel.pipe(output, { end: false });
    const remoteDone = () => output.end(() => finish('remote'));
    tunnel.once('end', () => { log('remote closed'); remoteDone(); });
    tunnel.once('error', (err) => { log('remote error: %s', err.message); remoteDone(); });

    output.once('error', (err) => { log('output error: %s', err.message); finish('output'); });
  });
}

function traceData(tunnel: Duplex, input: Readable): void {
  tunnel.on('data', (chunk: Buffer) => dataLog('<<< %s', hex(chunk)));
  input.on('data', (chunk: Buffer) => dataLog('>>> %s', hex(chunk)));
}
