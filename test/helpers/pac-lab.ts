// Network-namespace labs for PAC tests: a namespace with its own loopback
// and one veth pair (both ends inside it) carrying an address of our
// choosing and a default route, so myIpAddress() sees "a network"; an
// optional /etc/netns/NAME/resolv.conf (which `ip netns exec` bind-mounts
// over /etc/resolv.conf); and the lab's servers (lab-peer.ts) running
// inside it. Nothing leaves the namespace: no link to the host's network.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { findBinary, killGroup, onProcessExit, type Teardown } from './process.js';
import { runProcess, CLI, type RunResult } from './run.js';

const LAB_PEER = join(dirname(fileURLToPath(import.meta.url)), 'lab-peer.js');

let counter = 0;

/** Why namespace labs cannot run here, or undefined when they can (root and `ip`); under CI=true that is an error. */
export function labSkipReason(): string | undefined {
  const why = process.getuid?.() !== 0 ? 'network namespaces need root' : !findBinary('ip') ? 'ip (iproute2) not installed' : undefined;
  if (why && process.env.CI === 'true') throw new Error(`CI=true and ${why}`);
  return why;
}

export interface LabNamespace {
  name: string;
  /** Rewrites /etc/netns/NAME/resolv.conf (read by each later `ip netns exec`). */
  setResolvConf(text: string): void;
  /** Our connect, run inside the namespace. */
  connect(args: string[], opts?: { env?: Record<string, string>; timeoutMs?: number }): Promise<RunResult>;
}

/** A fresh namespace `pac<pid>x<n><tag>` with `address` (CIDR) on a veth pair and a default route over it. */
export function makeLab(t: Teardown, tag: string, address: string): LabNamespace {
  const name = `pac${process.pid}x${counter++}${tag}`.slice(0, 15);
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const etc = join('/etc/netns', name);
  const remove = () => {
    try { ip('netns', 'del', name); } catch { /* already gone */ }
    rmSync(etc, { recursive: true, force: true });
  };
  const unhook = onProcessExit(remove);
  t.after(() => { unhook(); remove(); });
  ip('netns', 'add', name);
  const veth = `v${process.pid % 100000}${counter}`.slice(0, 12);
  ip('-n', name, 'link', 'add', `${veth}a`, 'type', 'veth', 'peer', 'name', `${veth}b`);
  ip('-n', name, 'addr', 'add', address, 'dev', `${veth}a`);
  for (const dev of ['lo', `${veth}a`, `${veth}b`]) ip('-n', name, 'link', 'set', dev, 'up');
  ip('-n', name, 'route', 'add', 'default', 'dev', `${veth}a`);
  return {
    name,
    setResolvConf(text) {
      mkdirSync(etc, { recursive: true });
      writeFileSync(join(etc, 'resolv.conf'), text);
    },
    connect(args, opts = {}) {
      return runProcess('ip', ['netns', 'exec', name, process.execPath, CLI, ...args], { timeoutMs: opts.timeoutMs ?? 20_000, ...(opts.env && { env: opts.env }) });
    },
  };
}

export type LabEvent = { connect?: string; dns?: string; type?: number; http?: string };

export interface LabPeer {
  banner: number;
  proxy: number;
  events: LabEvent[];
  /** Resolves once an event matching `pred` has arrived (events come through a pipe, after the fact). */
  seen(pred: (e: LabEvent) => boolean): Promise<LabEvent>;
}

export interface LabPeerOptions {
  banner: string;
  dns?: Record<string, string>;
  web?: Record<string, string>;
}

/** Starts lab-peer.ts inside `lab`; stopped by closing its stdin (and killed at teardown). */
export async function startLabPeer(t: Teardown, lab: LabNamespace, opts: LabPeerOptions): Promise<LabPeer> {
  const child: ChildProcess = spawn('ip', ['netns', 'exec', lab.name, process.execPath, LAB_PEER, JSON.stringify(opts)], {
    stdio: ['pipe', 'pipe', 'inherit'],
    detached: true,
  });
  const unhook = onProcessExit(() => killGroup(child));
  t.after(() => {
    unhook();
    child.stdin?.end();
    killGroup(child);
  });
  const events: LabEvent[] = [];
  const waiting: { pred: (e: LabEvent) => boolean; resolve: (e: LabEvent) => void }[] = [];
  const seen = (pred: (e: LabEvent) => boolean) => {
    const hit = events.find(pred);
    return hit ? Promise.resolve(hit) : new Promise<LabEvent>((resolve) => waiting.push({ pred, resolve }));
  };
  const lines = createInterface({ input: child.stdout! });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`lab peer exited (${code}) before it was ready`)));
    lines.on('line', (line) => {
      const event = JSON.parse(line) as LabEvent & { ready?: boolean; error?: string; banner?: number; proxy?: number };
      if (event.error) return reject(new Error(`lab peer: ${event.error}`));
      if (event.ready) return resolve({ banner: event.banner!, proxy: event.proxy!, events, seen });
      events.push(event);
      for (const w of waiting.filter((w) => w.pred(event))) w.resolve(event);
    });
  });
}
