// Generic process helpers for the tests: finding binaries (a missing one
// skips with a reason, or fails under CI=true), temp dirs, and making sure
// children die with the test process. No servers here (helpers/servers.ts).
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Anything with after(fn): a node:test TestContext, or a suite hook shim. */
export interface Teardown { after(fn: () => unknown): void }

// ---------------------------------------------------------------- binaries

const PACKAGES: Record<string, string> = {
  danted: 'dante-server', sshd: 'openssh-server', ssh: 'openssh-client',
  'ssh-keygen': 'openssh-client', tinyproxy: 'tinyproxy', 'connect-proxy': 'connect-proxy',
  tmux: 'tmux', man: 'man-db', npm: 'npm',
};

export function findBinary(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin']);
  for (const dir of dirs.filter(Boolean)) {
    const file = join(dir, name);
    try { accessSync(file, constants.X_OK); return file; } catch { /* next */ }
  }
  return undefined;
}

/**
 * Skip reason when `name` is missing (use as `test(..., { skip: requireBinary('danted') })`),
 * undefined when present. Under CI=true a missing binary THROWS: CI never skips.
 */
export function requireBinary(name: string): string | undefined {
  if (findBinary(name)) return undefined;
  const msg = `${name} not installed (apt-get install ${PACKAGES[name] ?? name})`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${msg}`);
  return msg;
}

export function binary(name: string): string {
  const file = findBinary(name);
  if (!file) throw new Error(requireBinary(name) ?? `${name} not found`);
  return file;
}

// ------------------------------------------------------- process cleanup

const killers = new Set<() => void>();
let hooked = false;

/** Run `fn` (synchronous) when the test process exits, unless removed first. Returns the remover. */
export function onProcessExit(fn: () => void): () => void {
  killers.add(fn);
  if (!hooked) {
    hooked = true;
    process.once('exit', runKillers);
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.once(sig, () => { runKillers(); process.exit(sig === 'SIGINT' ? 130 : 143); });
    }
  }
  return () => { killers.delete(fn); };
}

function runKillers(): void {
  for (const fn of killers) { try { fn(); } catch { /* best effort */ } }
  killers.clear();
}

/** Signal a detached child's whole process group; ignores already-gone groups. */
export function killGroup(child: ChildProcess, sig: NodeJS.Signals = 'SIGKILL'): void {
  if (child.pid === undefined) return;
  try { process.kill(-child.pid, sig); } catch { /* gone */ }
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `connect-${prefix}-`));
}
