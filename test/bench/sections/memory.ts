/**
 * memory: what each open ssh session costs in its proxy command. N idle
 * sessions of each subject at once, every one through the SOCKS5 responder
 * with its banner relayed, then left idle; private memory (Private_Clean +
 * Private_Dirty of /proc/PID/smaps_rollup: what the process does not share
 * with the others) per process. `node floor` is the least a Node session
 * can cost. With -F no process stays at all (the ssh section checks that).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { withArgs, type Command } from '../measure.js';
import { BANNER, startResponder } from '../responders.js';
import { fmt, median, ratio, ratios, type BenchContext, type BenchSection, type SectionResult } from '../section.js';

/** Once every session has its banner: time for start-up garbage to go, as in a session left open. */
const SETTLE_MS = 1000;

export interface MemoryStat { sessions: number; privateMB: number; rssMB: number }

async function run(ctx: BenchContext): Promise<SectionResult> {
  const sessions = ctx.quick ? 6 : 10;
  const subjects: Record<string, Command> = {
    connect: ctx.connect,
    ...(ctx.reference ? { 'connect.c': ctx.reference } : {}),
    'node floor': ctx.nodeFloor,
  };
  const responder = await startResponder('socks5');
  const data: Record<string, MemoryStat> = {};
  try {
    for (const [name, cmd] of Object.entries(subjects)) {
      data[name] = await measure(withArgs(cmd, ['-S', `127.0.0.1:${responder.port}`, 'target.example', '22']), ctx.env, sessions);
    }
  } finally {
    await responder.close();
  }
  const names = Object.keys(subjects);
  const table = [
    [`memory: ${sessions} idle sessions at once (median per process)`, ...names],
    ['private MB (Private_Clean + Private_Dirty)', ...names.map((n) => fmt(data[n]?.privateMB, 2))],
    ['RSS MB', ...names.map((n) => fmt(data[n]?.rssMB, 2))],
  ];
  const r = ratios();
  r.add('memory: private per idle session connect / node floor', ratio(data.connect?.privateMB, data['node floor']?.privateMB), '≤ 1.20', (v) => v <= 1.2);
  r.add('memory: private per idle session connect / connect.c', ratio(data.connect?.privateMB, data['connect.c']?.privateMB), '(reference)');
  return { table, ratios: r.list, data };
}

async function measure(cmd: Command, env: NodeJS.ProcessEnv, sessions: number): Promise<MemoryStat> {
  const children: ChildProcess[] = [];
  try {
    const ready: Promise<void>[] = [];
    for (let i = 0; i < sessions; i++) {
      const child = spawn(cmd.file, cmd.args, { env, stdio: ['pipe', 'pipe', 'inherit'] });
      children.push(child);
      ready.push(bannerOf(child));
    }
    await Promise.all(ready);
    await sleep(SETTLE_MS);
    const rollups = children.map((c) => smapsRollup(c.pid!));
    return {
      sessions,
      privateMB: median(rollups.map((r) => (r.Private_Clean! + r.Private_Dirty!) / 1024)),
      rssMB: median(rollups.map((r) => r.Rss! / 1024)),
    };
  } finally {
    await Promise.all(children.map((c) => ended(c)));
  }
}

function bannerOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let got = 0;
    child.stdout!.on('data', (d: Buffer) => { got += d.length; if (got >= BANNER.length) resolve(); });
    child.once('exit', (code) => reject(new Error(`memory: a session exited (${code}) before its banner`)));
    setTimeout(() => reject(new Error('memory: no banner within 10 s')), 10_000).unref();
  });
}

function ended(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    child.stdin!.end();
  });
}

/** kB fields of /proc/PID/smaps_rollup. */
export function smapsRollup(pid: number): Record<string, number> {
  const fields: Record<string, number> = {};
  for (const m of readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').matchAll(/^(\w+):\s+(\d+) kB/gm)) fields[m[1]!] = Number(m[2]);
  return fields;
}

export const section: BenchSection = { name: 'memory', title: 'memory: private memory per open session', run };
