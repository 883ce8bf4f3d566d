/**
 * Bench section "ntlm": what an NTLM session costs over a Basic one, both
 * against in-process scripted proxies that answer at once. Basic: 407, then
 * a reconnect with credentials → 200 + banner. NTLM: 407, then a reconnect
 * carrying Type 1 → 407 with a Type 2 (Unicode, target info with
 * MsvAvTimestamp, so the MIC is computed too) and a 1 KiB body → Type 3 on
 * the same connection → 200 + banner. Subjects interleaved, each NTLM run
 * right after a Basic one; the figure (target ≤ 5 ms) is the median of
 * those paired differences, which a loaded machine's drift disturbs less
 * than the difference of the two medians (printed too). The CPU time of
 * each session (user + system, GNU time's 10 ms ticks, so a mean over the
 * runs) is printed too: it hardly moves with the machine's load.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { BANNER } from '../responders.js';
import { timeSession, withArgs, type Command } from '../measure.js';
import { findBinary } from '../../helpers/process.js';
import { fmt, median, ratios, type BenchSection } from '../section.js';

export interface NtlmBench {
  basicMs: number;
  ntlmMs: number;
  /** Median of (NTLM run − the Basic run just before it): the target is ≤ 5 ms. */
  extraMs: number;
  /** ntlmMs − basicMs. */
  mediansDiffMs: number;
  /** Mean CPU ms (user + system) per session, when /usr/bin/time exists. */
  cpu?: { basicMs: number; ntlmMs: number };
  runs: number;
}

const PAGE = 'x'.repeat(1024);
/** GNU time, for each session's CPU time. */
const TIME = findBinary('time');

export async function benchNtlm(connect: Command, env: NodeJS.ProcessEnv, runs: number): Promise<NtlmBench> {
  const proxies = { basic: await startProxy('basic'), ntlm: await startProxy('ntlm') };
  const ms: Record<'basic' | 'ntlm', number[]> = { basic: [], ntlm: [] };
  const cpu: Record<'basic' | 'ntlm', number[]> = { basic: [], ntlm: [] };
  const tmp = mkdtempSync(join(os.tmpdir(), 'connect-bench-ntlm-'));
  const timeFile = join(tmp, 'time');
  try {
    for (let r = 0; r < runs + 1; r++) {
      for (const kind of ['basic', 'ntlm'] as const) {
        const session = withArgs(connect, ['-H', `CORP\\alice@127.0.0.1:${proxies[kind].port}`, 'target.example', '22']);
        const cmd = TIME ? { file: TIME, args: ['-f', '%U %S', '-o', timeFile, session.file, ...session.args] } : session;
        const t = await timeSession(cmd, { ...env, HTTP_PROXY_PASSWORD: 'bench-Password-1' }, true);
        if (r === 0) continue; // run 0 warms the page cache
        ms[kind].push(t);
        if (TIME) cpu[kind].push(readFileSync(timeFile, 'utf8').trim().split(/\s+/).map(Number).reduce((a, b) => a + b, 0) * 1000);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await Promise.all([proxies.basic.close(), proxies.ntlm.close()]);
  }
  const basicMs = median(ms.basic);
  const ntlmMs = median(ms.ntlm);
  const extraMs = median(ms.ntlm.map((t, i) => t - ms.basic[i]!));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    basicMs, ntlmMs, extraMs, mediansDiffMs: ntlmMs - basicMs, runs,
    ...(TIME && { cpu: { basicMs: mean(cpu.basic), ntlmMs: mean(cpu.ntlm) } }),
  };
}

export const NTLM_TARGET_MS = 5;

export const section: BenchSection = {
  name: 'ntlm',
  title: 'NTLM session over a Basic one (scripted proxies)',
  async run(ctx) {
    const b = await benchNtlm(ctx.connect, ctx.env, ctx.quick ? 5 : 100);
    const r = ratios();
    r.add('ntlm: NTLM − Basic, median of paired runs (ms)', b.extraMs, `≤ ${NTLM_TARGET_MS.toFixed(2)}`, (v) => v <= NTLM_TARGET_MS);
    r.add('ntlm: NTLM − Basic, difference of the medians (ms)', b.mediansDiffMs, '(reference)');
    if (b.cpu) r.add('ntlm: NTLM − Basic, mean CPU per session (ms)', b.cpu.ntlmMs - b.cpu.basicMs, '(reference)');
    const table = [
      ['session', 'median ms', 'mean CPU ms'],
      ['Basic (407, reconnect, 200)', fmt(b.basicMs), fmt(b.cpu?.basicMs)],
      ['NTLM (407, reconnect, Type 1/2/3 with MIC, 200)', fmt(b.ntlmMs), fmt(b.cpu?.ntlmMs)],
    ];
    return { table, ratios: r.list, data: b, ...(b.cpu ? {} : { notes: ['GNU time not installed: no CPU figures'] }) };
  },
};

interface Proxy { port: number; close(): Promise<void> }

async function startProxy(kind: 'basic' | 'ntlm'): Promise<Proxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    s.setNoDelay(true);
    s.on('error', () => s.destroy());
    s.on('end', () => s.end());
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (let end = buf.indexOf('\r\n\r\n'); end >= 0; end = buf.indexOf('\r\n\r\n')) {
        const head = buf.slice(0, end);
        buf = buf.slice(end + 4);
        answer(s, kind, /^Proxy-Authorization: (\S+) ?(\S*)/mi.exec(head));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

function answer(s: net.Socket, kind: 'basic' | 'ntlm', auth: RegExpExecArray | null): void {
  const established = Buffer.concat([Buffer.from('HTTP/1.1 200 Connection established\r\n\r\n'), BANNER]);
  if (!auth) {
    s.end(`HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: ${kind === 'basic' ? 'Basic realm="bench"' : 'NTLM'}\r\nContent-Length: ${PAGE.length}\r\nConnection: close\r\n\r\n${PAGE}`);
    return;
  }
  const type = Buffer.from(auth[2] ?? '', 'base64')[8];
  if (kind === 'ntlm' && type === 1) {
    s.write(`HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: NTLM ${CHALLENGE}\r\nContent-Length: ${PAGE.length}\r\nConnection: keep-alive\r\n\r\n${PAGE}`);
    return;
  }
  s.write(established);
}

/** A Unicode Type 2 with NbDomainName, NbComputerName and MsvAvTimestamp (the client then computes a MIC). */
const CHALLENGE = (() => {
  const av = (id: number, value: Buffer) => {
    const h = Buffer.alloc(4);
    h.writeUInt16LE(id, 0);
    h.writeUInt16LE(value.length, 2);
    return Buffer.concat([h, value]);
  };
  const info = Buffer.concat([av(2, Buffer.from('CORP', 'utf16le')), av(1, Buffer.from('PROXY', 'utf16le')), av(7, Buffer.alloc(8, 1)), av(0, Buffer.alloc(0))]);
  const m = Buffer.alloc(48);
  m.write('NTLMSSP\0', 0, 'latin1');
  m.writeUInt32LE(2, 8);
  m.writeUInt32LE(48, 16);
  m.writeUInt32LE(0x00888201 >>> 0, 20); // UNICODE NTLM ALWAYS_SIGN EXTENDED_SESSIONSECURITY TARGET_INFO
  Buffer.from('0123456789abcdef', 'hex').copy(m, 24);
  m.writeUInt16LE(info.length, 40);
  m.writeUInt16LE(info.length, 42);
  m.writeUInt32LE(48, 44);
  return Buffer.concat([m, info]).toString('base64');
})();
