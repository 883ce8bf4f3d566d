/**
 * `npm run demo`: connect working end to end, on loopback only. Starts a
 * banner server (it speaks first, like sshd) and a SOCKS5 proxy, then runs
 * `connect -d -S 127.0.0.1:<proxy> 127.0.0.1 <banner>` with a line on stdin.
 */
import { createServer } from 'node:net';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startFakeProxy } from '../helpers/fake-proxy.js';

const bin = fileURLToPath(new URL('../../../bin/connect.cjs', import.meta.url));

async function startBannerServer(): Promise<{ close(): void; port: number }> {
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    socket.write('SSH-2.0-demo-banner (the target speaks first, as sshd does)\r\n');
    socket.on('data', (line) => socket.write(`the target got: ${line}`));
    socket.on('end', () => socket.end('goodbye from the target\r\n'));
    socket.on('error', () => socket.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { close: () => server.close(), port: (server.address() as { port: number }).port };
}

async function main(): Promise<void> {
  const target = await startBannerServer();
  const proxy = await startFakeProxy('socks5');
  const args = ['-d', '-S', `127.0.0.1:${proxy.port}`, '127.0.0.1', String(target.port)];
  process.stderr.write(`\n$ connect ${args.join(' ')}   (stdin: "hello through the proxy")\n\n`);
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdout.on('data', (chunk: Buffer) => process.stderr.write(`[stdout] ${chunk}`));
  setTimeout(() => child.stdin.end('hello through the proxy\n'), 200);
  const [code] = (await once(child, 'exit')) as [number];
  process.stderr.write(`\nconnect exited with status ${code}\n`);
  target.close();
  await proxy.close();
  process.exitCode = code;
}

void main();
