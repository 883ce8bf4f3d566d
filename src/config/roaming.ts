/**
 * Roaming rules: a candidate that applies only on some local networks, as
 * ssh_config's `Match localnetwork` and PAC's `isInNet(myIpAddress(), ...)`
 * express it. `socks5://gw:1080?localnet=10.0.0.0/8,direct://` uses gw while
 * some local interface address lies in 10.0.0.0/8, else goes direct. The
 * networks are direct-list ranges (`10.0.0.0/8`, `192.168.1.`, `fd00::/8`)
 * separated by `|`; a leading `!` excludes, and the first entry matching an
 * address decides for it, as in the direct lists.
 */
import { ConnectError, type ErrorCode } from '../errors.js';
import { localAddresses, matchDirect, parseDirectList, type DirectRule, type NetworkInterfacesLike } from './direct.js';

export interface LocalNetCondition {
  /** As written after `localnet=`. */
  text: string;
  rules: DirectRule[];
}

const SUFFIX = /\?localnet=([^?#@]*)$/i;

/** `url?localnet=nets` → the url and its condition; anything else as it is. */
export function splitCondition(entry: string, source: string, code: ErrorCode): { body: string; condition?: LocalNetCondition } {
  const m = SUFFIX.exec(entry);
  if (!m) return { body: entry };
  const text = m[1]!;
  const entries = text.split('|').map((s) => s.trim());
  const rules = entries.flatMap((e) => parseDirectList(e));
  if (entries.some((e) => e === '' || e === '!') || rules.some((r) => r.type !== 'net')) {
    throw new ConnectError(code, `invalid localnet=${JSON.stringify(text).slice(1, -1)} (${source}): expected address ranges such as 10.0.0.0/8|192.168.1.0/24`);
  }
  return { body: entry.slice(0, m.index), condition: { text, rules } };
}

export interface ConditionResult {
  holds: boolean;
  /** For --explain and -d: which address matched, or the addresses that did not. */
  because: string;
}

export function evaluateCondition(condition: LocalNetCondition, ifaces: NetworkInterfacesLike): ConditionResult {
  const addresses = localAddresses(ifaces);
  const hit = addresses.find((a) => matchDirect(condition.rules, a.address));
  if (hit) return { holds: true, because: `${hit.name} ${hit.address} is in ${condition.text}` };
  const shown = addresses.map((a) => `${a.name} ${a.address}`).join(', ') || 'none';
  return { holds: false, because: `no local address in ${condition.text} (local addresses: ${shown})` };
}
