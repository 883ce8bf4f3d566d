/**
 * TLS to an `https://` proxy (README "Beyond connect.c"): a TLS client over an already
 * connected stream (the first hop's TCP socket, or a tunnel through earlier
 * hops). The certificate is verified unless the proxy says tlsVerify: false
 * (CLI --insecure); SNI is the proxy's host name (RFC 6066 §3: never an IP).
 */
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { ConnectError, describeError } from '../errors.js';
import { logger } from '../log.js';
import type { ProxyServer } from '../config/types.js';
import { formatEndpoint } from '../address.js';
import { whenAborted } from './deadline.js';
import { trustedContext } from './trust.js';

const log = logger('tls');

export function startTls(stream: Duplex, proxy: ProxyServer, signal: AbortSignal | undefined): Promise<Duplex> {
  const verify = proxy.tlsVerify !== false;
  const options: ConnectionOptions = {
    socket: stream,
    host: proxy.host, // checkServerIdentity uses it when there is no servername
    rejectUnauthorized: verify,
    ALPNProtocols: ['http/1.1'],
  };
  if (isIP(proxy.host) === 0) options.servername = proxy.host.replace(/\.$/, '');
  if (verify) options.secureContext = trustedContext();
  return handshake(connect(options), stream, proxy, signal, verify);
}

function handshake(tls: TLSSocket, below: Duplex, proxy: ProxyServer, signal: AbortSignal | undefined, verify: boolean): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    let stopWatching = () => {};
    const cleanup = () => {
      stopWatching();
      tls.off('error', onError);
      tls.off('close', onClose);
    };
    const fail = (err: Error) => {
      cleanup();
      tls.destroy();
      below.destroy();
      reject(err);
    };
    const onError = (err: Error) => fail(tlsFailure(proxy, err, verify));
    const onClose = () => fail(tlsFailure(proxy, new Error('connection closed during the TLS handshake'), verify));
    tls.once('error', onError);
    tls.once('close', onClose);
    tls.once('secureConnect', () => {
      cleanup();
      log('TLS %s with %s%s', tls.getProtocol(), formatEndpoint(proxy), verify ? ', certificate verified' : ', certificate NOT verified (--insecure)');
      resolve(tls);
    });
    stopWatching = whenAborted(signal, (reason) => fail(reason as Error));
  });
}

/** One line: what failed, why, and (for an untrusted certificate) what to do about it. */
function tlsFailure(proxy: ProxyServer, err: Error, verify: boolean): ConnectError {
  const code = (err as NodeJS.ErrnoException).code;
  const reason = describeError(err);
  const hint = verify && isVerifyError(code) ? '; trust its CA with NODE_EXTRA_CA_CERTS, or skip verification with --insecure' : '';
  return new ConnectError('CONNECT', `TLS to HTTPS proxy ${formatEndpoint(proxy)} failed: ${reason}${hint}`, { cause: err });
}

function isVerifyError(code: string | undefined): boolean {
  if (code === undefined) return false;
  return code === 'ERR_TLS_CERT_ALTNAME_INVALID' || /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code);
}
