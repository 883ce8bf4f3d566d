/**
 * `--explain` and `-d`: the route a config takes and where every setting
 * came from (a flag, an environment variable, /etc/connectrc or ~/.connectrc
 * with its line, a default). Filled in by the config builders; pure data,
 * never a password (a known one shows as `xxxx`).
 */

export interface Setting {
  name: string;
  value: string;
  /** `-S`, `environment variable SOCKS5_USER`, `/home/u/.connectrc:3 (SOCKS5_PASSWD)`, `default`. */
  from: string;
}

export interface ExplainedCandidate {
  /** `SOCKS5 proxy gw:1080`, `direct`. */
  what: string;
  settings: Setting[];
  /** A roaming rule (`?localnet=`) and its verdict on this machine's networks now. */
  rule?: { text: string; fired: boolean; because: string };
}

export interface ExplainedHop {
  /** Where the candidate list was written: `-x (1st)`, `/etc/connectrc:2 (CONNECT_PROXY)`. */
  from: string;
  /** `auto` expanded: which variable it found (or none). */
  auto?: string;
  candidates: ExplainedCandidate[];
}

/** --explain with a PAC script: the script is run for the target (no proxy is contacted). */
export interface ExplainedPac {
  /** Where the script came from (after redirects, or the WPAD URL that served it). */
  source: string;
  /** With the PAC cache: whether the script came from it (and its age) or from the network. */
  cache?: string;
  /** `FindProxyForURL("https://host:22/", "host")`. */
  asked?: string;
  /** What it returned. */
  result?: string;
  /** What that became, in the order tried. */
  routes?: string[];
  /** Entries it could not read (skipped). */
  skipped?: string[];
  /** Why there is no answer (fetch, sandbox, WPAD). */
  error?: string;
}

export interface Explanation {
  target: string;
  /** The proxy method and what chose it. */
  method: Setting;
  hops: ExplainedHop[];
  /** The direct list (SOCKS5_DIRECT ... / NO_PROXY / -D) and the entry that decided for the target. */
  direct: { entries: Setting[]; matched?: { entry: string; from: string; direct: boolean } };
  /** In one line: what happens for this target. */
  decision: string;
  settings: Setting[];
  pac?: ExplainedPac;
}

const PASSWORD_SHOWN = 'xxxx';
export const shownPassword = (): string => PASSWORD_SHOWN;

/** `a, else b`: a hop's candidates as tried. */
function hopLine(hop: ExplainedHop): string {
  const used = hop.candidates.filter((c) => !c.rule || c.rule.fired).map((c) => c.what);
  return used.length === 0 ? 'no candidate applies' : used.join(', else ');
}

export function decide(e: Pick<Explanation, 'hops' | 'direct' | 'target'>): string {
  if (e.direct.matched?.direct) return `direct to ${e.target} (direct-list entry ${e.direct.matched.entry})`;
  if (e.hops.length === 0) return `direct to ${e.target}`;
  return e.hops.map((h, i) => `hop ${i + 1}: ${hopLine(h)}`).join('; then ') + `; to ${e.target}`;
}

/** The text form, one line each, for stdout (--explain) or the debug log (-d). */
export function explanationLines(e: Explanation): string[] {
  const out = [`route to ${e.target}: ${e.decision}`, `method: ${e.method.value} (${e.method.from})`];
  e.hops.forEach((hop, i) => {
    out.push(`hop ${i + 1} (from ${hop.from})${hop.auto ? `: auto: ${hop.auto}` : ''}`);
    hop.candidates.forEach((c, j) => {
      const skipped = c.rule && !c.rule.fired ? ' [skipped]' : '';
      out.push(`  ${j + 1}. ${c.what}${skipped}`);
      if (c.rule) out.push(`     roaming rule localnet=${c.rule.text}: ${c.rule.fired ? 'fired' : 'did not fire'}: ${c.rule.because}`);
      for (const s of c.settings) out.push(`     ${s.name} ${s.value} (${s.from})`);
    });
  });
  if (e.direct.entries.length > 0) {
    out.push('direct list:');
    for (const s of e.direct.entries) out.push(`  ${s.value} (${s.from})`);
    const m = e.direct.matched;
    out.push(m ? `  ${e.target.replace(/:\d+$/, '')} matches ${m.entry} (${m.from}): ${m.direct ? 'direct' : 'excluded, through the proxy'}` : `  no entry matches ${e.target.replace(/:\d+$/, '')}`);
  }
  if (e.pac) out.push(...pacLines(e.pac));
  if (e.settings.length > 0) out.push('settings:');
  for (const s of e.settings) out.push(`  ${s.name} ${s.value} (${s.from})`);
  return out;
}

function pacLines(pac: ExplainedPac): string[] {
  if (pac.error !== undefined) return [`PAC script ${pac.source}: no answer: ${pac.error}`];
  const out = [`PAC script ${pac.source}`];
  if (pac.cache !== undefined) out.push(`  from ${pac.cache}`);
  out.push(`  ${pac.asked} returned ${JSON.stringify(pac.result)}`, '  routes, in order:');
  (pac.routes ?? []).forEach((r, i) => out.push(`    ${i + 1}. ${r}`));
  for (const entry of pac.skipped ?? []) out.push(`  skipped (unreadable): ${JSON.stringify(entry)}`);
  return out;
}
