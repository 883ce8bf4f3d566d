// Real squid 5.7 asking for NTLM (ntlm_fake_auth) and for Negotiate
// (negotiate_wrapper_auth handing NTLMSSP to ntlm_fake_auth), each carrying
// a real ssh session to the loopback sshd with a checksummed round trip.
// ntlm_fake_auth accepts any password (test/integration/ntlm.test.ts checks
// the response itself); here squid proves the message flow on one kept-alive
// connection and logs the user it parsed out of the Type 3.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requireBinary } from '../helpers/process.js';
import { startSshd } from '../helpers/servers.js';
import { startSquid } from '../helpers/squid.js';
import { CLI } from '../helpers/run.js';
import { expectedSha256 } from '../helpers/tcp.js';
import { sshWithInput } from '../helpers/ssh.js';

const ours = `${process.execPath} ${CLI}`;
const SIZE = 4 << 20;
const skip = requireBinary('squid') ?? requireBinary('sshd');

for (const auth of ['ntlm-fake', 'negotiate-ntlm'] as const) {
  test(`ssh through squid (${auth}) as CORP\\alice: checksummed round trip, squid logs the user`, { skip }, async (t) => {
    const squid = await startSquid({ auth, t });
    const sshd = await startSshd({ t });
    const proxyCommand = `${ours} -H 'CORP\\alice@127.0.0.1:${squid.port}' %h %p`;
    const out = await sshWithInput(sshd.sshArgs(proxyCommand), 'cat | sha256sum', SIZE, 31, { HTTP_PROXY_PASSWORD: 'any-password' });
    assert.equal(out.code, 0, `${out.stderr}\n${squid.log()}`);
    assert.equal(out.stdout.split(' ')[0], expectedSha256(SIZE, 31));
    const tunnel = squid.accessLog().find((l) => l.includes('TCP_TUNNEL/200'));
    assert.ok(tunnel, squid.accessLog().join('\n'));
    assert.match(tunnel, /CONNECT 127\.0\.0\.1:\d+ CORP\\\\alice /);
  });
}
