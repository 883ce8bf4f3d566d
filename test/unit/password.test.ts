// Password sources: which one is used (SSH_ASKPASS, SSH_ASKPASS_REQUIRE,
// DISPLAY/WAYLAND_DISPLAY), running askpass, and no terminal → clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chooseAskMethod, firstLine } from '../../src/auth/askpass.js';
import { makePasswordSource } from '../../src/auth/password.js';
import type { PasswordRequest } from '../../src/config/types.js';
import { ConnectError } from '../../src/errors.js';
import { tempDir } from '../helpers/process.js';

const REQ: PasswordRequest = { kind: 'socks5', proxy: { host: 'proxy.test', port: 1080 }, user: 'alice', prompt: 'Enter SOCKS5 password for alice@proxy.test:1080: ' };

type Expect = 'askpass' | 'tty' | 'none';
const MATRIX: Array<[string, string | undefined, NodeJS.ProcessEnv, Expect]> = [
  ['askpass, no display', '/bin/ap', {}, 'tty'],
  ['askpass + DISPLAY', '/bin/ap', { DISPLAY: ':0' }, 'askpass'],
  ['askpass + WAYLAND_DISPLAY', '/bin/ap', { WAYLAND_DISPLAY: 'wayland-0' }, 'askpass'],
  ['askpass + empty DISPLAY', '/bin/ap', { DISPLAY: '' }, 'tty'],
  ['no askpass + DISPLAY', undefined, { DISPLAY: ':0' }, 'tty'],
  ['empty askpass + DISPLAY', '', { DISPLAY: ':0' }, 'tty'],
  ['never + DISPLAY', '/bin/ap', { DISPLAY: ':0', SSH_ASKPASS_REQUIRE: 'never' }, 'tty'],
  ['prefer, no display (OpenSSH: askpass needs a display)', '/bin/ap', { SSH_ASKPASS_REQUIRE: 'prefer' }, 'tty'],
  ['prefer, display', '/bin/ap', { SSH_ASKPASS_REQUIRE: 'prefer', DISPLAY: ':0' }, 'askpass'],
  ['prefer, no askpass', undefined, { SSH_ASKPASS_REQUIRE: 'prefer' }, 'tty'],
  ['force, no display', '/bin/ap', { SSH_ASKPASS_REQUIRE: 'force' }, 'askpass'],
  ['FORCE (case-insensitive)', '/bin/ap', { SSH_ASKPASS_REQUIRE: 'FORCE' }, 'askpass'],
  ['force, no askpass', undefined, { SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' }, 'none'],
  ['unknown value acts as unset', '/bin/ap', { SSH_ASKPASS_REQUIRE: 'bogus', DISPLAY: ':0' }, 'askpass'],
  ['unknown value, no display', '/bin/ap', { SSH_ASKPASS_REQUIRE: 'bogus' }, 'tty'],
];

for (const [name, askpass, env, expected] of MATRIX) {
  test(`askpass selection: ${name} → ${expected}`, () => {
    const method = chooseAskMethod(askpass, env);
    assert.equal(method.via, expected);
    if (method.via === 'askpass') assert.equal(method.program, askpass);
  });
}

test('firstLine stops at CR or LF', () => {
  assert.equal(firstLine('pw\n'), 'pw');
  assert.equal(firstLine('pw\r\nmore\n'), 'pw');
  assert.equal(firstLine('pw'), 'pw');
  assert.equal(firstLine('\n'), '');
});

/** An askpass script: records its argv and stdin, prints `output`, exits `code`. */
function askpassScript(t: { after(fn: () => void): void }, output: string, code = 0): { program: string; argsFile: string; stdinFile: string } {
  const dir = tempDir('askpass');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const program = join(dir, 'askpass.sh');
  const argsFile = join(dir, 'args');
  const stdinFile = join(dir, 'stdin');
  writeFileSync(program, [
    '#!/bin/sh',
    `printf '%s|%s' "$#" "$1" > '${argsFile}'`,
    `cat > '${stdinFile}'`,
    `printf '${output}'`,
    `exit ${code}`,
    '',
  ].join('\n'));
  chmodSync(program, 0o755);
  return { program, argsFile, stdinFile };
}

test('askpass: prompt is the only argument, stdin is empty, first line is the password', async (t) => {
  const ap = askpassScript(t, 's3cr et\\n');
  const source = makePasswordSource({ askpass: ap.program, env: { DISPLAY: ':0' }, ttyPath: '/nonexistent/tty' });
  assert.equal(await source(REQ), 's3cr et');
  assert.equal(readFileSync(ap.argsFile, 'utf8'), `1|${REQ.prompt}`);
  assert.equal(readFileSync(ap.stdinFile, 'utf8'), '');
});

test('askpass: CRLF and further lines are dropped', async (t) => {
  const ap = askpassScript(t, 'pw\\r\\nsecond line\\n');
  assert.equal(await makePasswordSource({ askpass: ap.program, env: { SSH_ASKPASS_REQUIRE: 'force' } })(REQ), 'pw');
});

test('askpass from env.SSH_ASKPASS when no askpass option', async (t) => {
  const ap = askpassScript(t, 'from-env\\n');
  assert.equal(await makePasswordSource({ env: { SSH_ASKPASS: ap.program, WAYLAND_DISPLAY: 'w' } })(REQ), 'from-env');
});

test('askpass: non-zero exit → NO_PASSWORD "password entry cancelled", no password in message', async (t) => {
  const ap = askpassScript(t, 'leaked\\n', 1);
  await assert.rejects(makePasswordSource({ askpass: ap.program, env: { DISPLAY: ':0' } })(REQ), (err: unknown) => {
    assert.ok(err instanceof ConnectError);
    assert.equal(err.code, 'NO_PASSWORD');
    assert.equal(err.message, 'password entry cancelled');
    return true;
  });
});

test('askpass: missing program → NO_PASSWORD naming it', async () => {
  await assert.rejects(makePasswordSource({ askpass: '/nonexistent/askpass', env: { DISPLAY: ':0' } })(REQ), (err: unknown) => {
    assert.ok(err instanceof ConnectError);
    assert.equal(err.code, 'NO_PASSWORD');
    assert.match(err.message, /\/nonexistent\/askpass.*ENOENT/);
    return true;
  });
});

test('force without SSH_ASKPASS → NO_PASSWORD, terminal not used', async () => {
  await assert.rejects(makePasswordSource({ env: { SSH_ASKPASS_REQUIRE: 'force' } })(REQ), /SSH_ASKPASS_REQUIRE=force/);
});

test('no terminal (ttyPath missing) → NO_PASSWORD naming the variables', async () => {
  const http: PasswordRequest = { ...REQ, kind: 'http' };
  await assert.rejects(makePasswordSource({ env: {}, ttyPath: '/nonexistent/tty' })(http), (err: unknown) => {
    assert.ok(err instanceof ConnectError);
    assert.equal(err.code, 'NO_PASSWORD');
    assert.match(err.message, /no terminal.*HTTP_PROXY_PASSWORD.*SSH_ASKPASS/);
    return true;
  });
});

test('ttyPath that is not a terminal → NO_PASSWORD', async (t) => {
  const dir = tempDir('notty');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'file');
  writeFileSync(file, 'password-in-a-file\n');
  await assert.rejects(makePasswordSource({ env: {}, ttyPath: file })(REQ), /is not a terminal/);
});

const HERE = dirname(fileURLToPath(import.meta.url));
const PASSWORD_JS = pathToFileURL(resolve(HERE, '../../src/auth/password.js')).href;

test('no controlling terminal (setsid), stdin has data: clear error, fast, stdin not used', async () => {
  const script = `
    const { makePasswordSource } = await import(${JSON.stringify(PASSWORD_JS)});
    try {
      await makePasswordSource({ env: {} })(${JSON.stringify(REQ)});
      console.log('RESOLVED');
    } catch (err) { console.log(err.code + ': ' + err.message); }`;
  const started = Date.now();
  const out = await new Promise<string>((done, fail) => {
    const child = execFile('setsid', ['-w', process.execPath, '--input-type=module', '-e', script], { timeout: 5000 }, (err, stdout) => (err ? fail(err) : done(stdout)));
    child.stdin?.end('not-the-password\n');
  });
  assert.ok(Date.now() - started < 5000);
  assert.equal(out.trim().split('\n').length, 1, out);
  assert.match(out, /^NO_PASSWORD: cannot ask for the password of alice@proxy\.test: no terminal; set SOCKS5_PASSWORD \(or CONNECT_PASSWORD\), or SSH_ASKPASS\n$/);
  assert.doesNotMatch(out, /not-the-password/);
});
