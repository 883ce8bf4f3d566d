// The servers of a PAC lab, run INSIDE a network namespace
// (`ip netns exec NS node build/test/helpers/lab-peer.js '<json>'`), all on
// that namespace's own loopback: a target that speaks first (like sshd), an
// HTTP CONNECT proxy that relays to it, and optionally a DNS responder on
// 127.0.0.1:53 and a web server on 127.0.0.1:80 (for WPAD). It prints one
// JSON line when ready ({"ready":true,"banner":port,"proxy":port}), then one
// JSON line per event: {"connect":"host:port"}, {"dns":"name"},
// {"http":"host path"}. It exits when its stdin closes.
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { startDnsServer } from './dns-server.js';

interface LabOptions {
  banner: string;
  /** DNS: name → addresses, served on 127.0.0.1:53. */
  dns?: Record<string, string>;
  /** HTTP on 127.0.0.1:80: Host header → body (a PAC file; `$PROXY` becomes the proxy's port). */
  web?: Record<string, string>;
}

const emit = (event: object) => process.stdout.write(`${JSON.stringify(event)}\n`);

function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

async function main(): Promise<void> {
  const opts = JSON.parse(process.argv[2] ?? '{}') as LabOptions;
  const banner = createServer((sock) => {
    sock.on('error', () => {});
    sock.end(opts.banner);
  });
  const proxy = createServer((sock) => {
    sock.on('error', () => {});
    let head = '';
    const onData = (d: Buffer) => {
      head += d.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      sock.off('data', onData);
      const target = /^CONNECT (\S+) HTTP/.exec(head)?.[1] ?? '';
      emit({ connect: target });
      const colon = target.lastIndexOf(':');
      const up = connect(Number(target.slice(colon + 1)), target.slice(0, colon).replace(/^\[|\]$/g, ''));
      up.on('error', () => sock.destroy());
      up.once('connect', () => {
        sock.write('HTTP/1.1 200 Connection established\r\n\r\n');
        const rest = Buffer.from(head.slice(end + 4), 'latin1');
        if (rest.length > 0) up.write(rest);
        sock.pipe(up).pipe(sock);
      });
    };
    sock.on('data', onData);
  });
  const ports = { banner: await listen(banner), proxy: await listen(proxy) };
  if (opts.dns) {
    await startDnsServer({ records: opts.dns, hosts: ['127.0.0.1'], onQuery: (q) => emit({ dns: q.name, type: q.type }) });
  }
  if (opts.web) {
    const web = opts.web;
    const server = createHttpServer((req, res) => {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '');
      emit({ http: `${host} ${req.url}` });
      const body = web[host];
      if (body === undefined) {
        res.writeHead(404);
        res.end();
      } else {
        res.setHeader('content-type', 'application/x-ns-proxy-autoconfig');
        res.end(body.replaceAll('$PROXY', String(ports.proxy)));
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(80, '127.0.0.1', resolve);
    });
  }
  emit({ ready: true, ...ports });
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('close', () => process.exit(0));
}

main().catch((err) => {
  emit({ error: String(err) });
  process.exit(1);
});
