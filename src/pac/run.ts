/**
 * Asking a PAC script for one target. The functions are synchronous over
 * what is already known; a run that wanted an unknown name (dnsResolve,
 * isResolvable, isInNet of a name, the Ex set) or this machine's addresses
 * is thrown away, the missing facts are looked up, and the script runs
 * again from scratch, until a run misses nothing. Names are looked up only
 * when the script asks (as browsers do), never up front.
 */
import { ConnectError } from '../errors.js';
import { makePacFunctions, type PacEnvironment } from './functions.js';
import type { PacCall, PacEngine } from './sandbox.js';

/** At most this many names per target: a script asking for more is looping over names. */
const MAX_NAMES = 16;

export interface PacQuestion extends PacCall {
  source: string;
  /** Where the script came from, for messages. */
  name: string;
  /** The whole budget for running, looking up and running again. */
  timeoutMs: number;
  /** All addresses of a name (IPv4 and IPv6); [] when it does not resolve. */
  lookup(name: string): Promise<string[]>;
  /** This machine's addresses, the preferred first. */
  myAddresses(): Promise<string[]>;
  now?: () => Date;
  alert?: (message: string) => void;
}

export interface PacAnswer {
  /** FindProxyForURL's return value. */
  result: string;
  /** How many runs it took (1 when the script needed no lookup). */
  runs: number;
}

export async function askPac(engine: PacEngine, q: PacQuestion): Promise<PacAnswer> {
  const deadline = Date.now() + q.timeoutMs;
  const known = new Map<string, string[]>();
  let mine: string[] | undefined;
  for (let runs = 1; ; runs++) {
    // Only the first miss of a run counts: what the script does after it
    // works on a placeholder (dnsResolve's null becomes the name "null").
    let missed: string | undefined;
    let wantMine = false;
    const env: PacEnvironment = {
      addresses: (name) => {
        const key = name.toLowerCase();
        const hit = known.get(key);
        if (!hit && missed === undefined && !wantMine) missed = key;
        return hit;
      },
      myAddresses: () => {
        if (!mine && missed === undefined) wantMine = true;
        return mine;
      },
      now: q.now?.() ?? new Date(),
      ...(q.alert && { alert: q.alert }),
    };
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new ConnectError('PAC', `PAC script ${q.name}: did not finish within ${q.timeoutMs} ms`);
    const result = engine.run(q.source, q.name, q, makePacFunctions(env), remaining);
    if (missed === undefined && !wantMine) return { result, runs };
    if (known.size >= MAX_NAMES) throw new ConnectError('PAC', `PAC script ${q.name}: asked for more than ${MAX_NAMES} host names`);
    const name = missed;
    await withDeadline(deadline, q, name === undefined
      ? q.myAddresses().then((a) => { mine = a; })
      : q.lookup(name).then((a) => { known.set(name, a); }));
  }
}

function withDeadline<T>(deadline: number, q: PacQuestion, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ConnectError('PAC', `PAC script ${q.name}: did not finish within ${q.timeoutMs} ms (waiting for a name lookup)`)), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
