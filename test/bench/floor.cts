/**
 * The session benchmark's floor: the least any Node program does for one
 * session, as `floor -S|-H proxyhost:port host port`. One CommonJS file
 * (compiled to floor.cjs, so no ES module loader), node:net only: connect,
 * the SOCKS5 no-auth exchange (RFC 1928) or one HTTP CONNECT, then fd 0/1
 * as sockets piped to and from the tunnel; exit when the tunnel has ended
 * and stdout is flushed. No options, no validation, no error reporting
 * (exit 1). `connect` does all of that too, so what it costs above this
 * line is ours; what this costs above `node -e 0` is Node's.
 */
import net = require('node:net');

const [flag, proxy = '', host = '', port = '0'] = process.argv.slice(2);
const [proxyHost, proxyPort] = proxy.split(':');

type Step = [request: Buffer, replyLength: (received: Buffer) => number];

const name = Buffer.from(host);
const socks5: Step[] = [
  [Buffer.from([5, 1, 0]), (b) => (b.length >= 2 ? 2 : -1)],
  [Buffer.concat([Buffer.from([5, 1, 0, 3, name.length]), name, Buffer.from([Number(port) >> 8, Number(port) & 255])]),
    (b) => (b.length >= 10 ? 10 : -1)], // the bench's responder answers with an IPv4 address
];
const http: Step[] = [
  [Buffer.from(`CONNECT ${host}:${port} HTTP/1.0\r\n\r\n`), (b) => { const at = b.indexOf('\r\n\r\n'); return at < 0 ? -1 : at + 4; }],
];

const tunnel = net.connect({ host: proxyHost, port: Number(proxyPort), noDelay: true }, () => {
  const steps = flag === '-H' ? http : socks5;
  let received = Buffer.alloc(0);
  const next = () => tunnel.write(steps[0]![0]);
  const onData = (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    const n = steps[0]![1](received);
    if (n < 0) return;
    received = received.subarray(n);
    steps.shift();
    if (steps.length > 0) return void next();
    tunnel.off('data', onData);
    tunnel.pause();
    if (received.length > 0) tunnel.unshift(received);
    relay();
  };
  tunnel.on('data', onData);
  next();
});
tunnel.on('error', () => process.exit(1));

function relay(): void {
  const stdin = new net.Socket({ fd: 0, readable: true, writable: false, allowHalfOpen: true });
  const stdout = new net.Socket({ fd: 1, readable: false, writable: true });
  stdin.pipe(tunnel);
  tunnel.pipe(stdout);
  stdout.on('finish', () => process.exit(0));
}
