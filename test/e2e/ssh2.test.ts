// The README's ssh2 recipe, run: openTunnel() through a real danted hands
// its Duplex to the real `ssh2` package as `sock`, which logs in to a real
// sshd on loopback with a key and runs a command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Client } from 'ssh2';
import { openTunnel } from '../../src/index.js';
import { requireBinary } from '../helpers/process.js';
import { startDanted, startSshd } from '../helpers/servers.js';

const skip = requireBinary('danted') ?? requireBinary('sshd');

function exec(client: Client, command: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, channel) => {
      if (err) return reject(err);
      let out = '';
      channel.on('data', (d: Buffer) => { out += d.toString(); });
      channel.stderr.resume();
      channel.on('close', (code: number) => resolve({ code, out }));
    });
  });
}

test('ssh2 over openTunnel through danted: log in with a key, run a command', { skip }, async (t) => {
  const danted = await startDanted({ t });
  const sshd = await startSshd({ t });
  const sock = await openTunnel({ proxy: `socks5h://127.0.0.1:${danted.port}`, host: '127.0.0.1', port: sshd.port, timeout: 10_000 });
  const client = new Client();
  const ready = new Promise<void>((resolve, reject) => { client.once('ready', resolve); client.once('error', reject); });
  client.connect({ sock, username: sshd.user, privateKey: readFileSync(sshd.keyFile) });
  try {
    await ready;
    assert.deepEqual(await exec(client, 'echo through-the-tunnel'), { code: 0, out: 'through-the-tunnel\n' });
  } finally {
    client.end();
  }
  assert.match(danted.log(), new RegExp(`127\\.0\\.0\\.1\\.${sshd.port}`), `danted relayed the session:\n${danted.log()}`);
});
