// What -F hands over, seen from the receiving side without ssh: one data
// byte with one SCM_RIGHTS descriptor (as OpenSSH's mm_receive_fd reads it),
// a TCP socket connected to the target whose banner is still unread, and
// TCP_NODELAY off, as ssh's own socket is (ssh turns it on itself for
// interactive sessions). The receiver is python3's socket.recv_fds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requireBinary } from '../helpers/process.js';
import { CLI, runProcess } from '../helpers/run.js';
import { bannerServer } from '../helpers/fake-proxy.js';

const RECEIVER = `
import socket, subprocess, sys
ours, theirs = socket.socketpair()
child = subprocess.Popen(sys.argv[1:], stdout=theirs, stdin=subprocess.DEVNULL)
theirs.close()
data, fds, flags, addr = socket.recv_fds(ours, 16, 4)
code = child.wait()
passed = socket.socket(fileno=fds[0])
passed.settimeout(10)
print(len(data), len(fds), code, passed.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY), passed.recv(64).decode())
`;

test('-F passes one byte and one connected TCP socket, banner unread, TCP_NODELAY off', { skip: requireBinary('python3') }, async (t) => {
  const target = await bannerServer('SSH-2.0-fd-receiver\r\n', { t });
  const r = await runProcess('python3', ['-c', RECEIVER, process.execPath, CLI, '-F', '-n', '127.0.0.1', String(target.port)]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.toString(), '1 1 0 0 SSH-2.0-fd-receiver\r\n\n');
});
