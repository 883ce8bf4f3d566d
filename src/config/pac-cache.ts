/**
 * `--pac-cache SECS|off` / CONNECT_PAC_CACHE (environment or rc): how long a
 * fetched PAC script (pac+http(s), WPAD) is kept on disk, and where:
 * `$XDG_CACHE_HOME/connect/pac` when XDG_CACHE_HOME is an absolute path
 * (the XDG Base Directory rule: a relative one is ignored), else
 * `~/.cache/connect/pac` under the passwd entry's home (where the rc files
 * are read from). Pure; built once per configuration, only when a PAC
 * source is in it.
 */
import { join } from 'node:path';
import { ConnectError } from '../errors.js';
import { isDigits } from '../chars.js';
import { DEFAULT_PAC_CACHE_S, MAX_PAC_CACHE_S } from '../pac/cache-limits.js';
import type { PacCacheConfig } from '../pac/cache.js';
import type { ParamLookup } from './env.js';
import type { Setting } from './explain.js';
import type { OptionArgs } from './types.js';

export interface PacCacheChoice {
  cache?: PacCacheConfig;
  /** For --explain: `pac cache 300 s in /home/u/.cache/connect/pac (default)`. */
  setting: Setting;
  warning?: string;
}

export interface CacheHomeInputs {
  env: Record<string, string | undefined>;
  /** The passwd entry's home directory. */
  home?: string | undefined;
}

export function pacCacheChoice(o: OptionArgs, params: ParamLookup, inputs: CacheHomeInputs): PacCacheChoice {
  const fromCli = o.pacCache !== undefined;
  const name = fromCli ? '--pac-cache' : 'CONNECT_PAC_CACHE';
  const text = (o.pacCache ?? params.get('CONNECT_PAC_CACHE'))?.trim();
  const from = fromCli ? '--pac-cache' : text ? params.origin('CONNECT_PAC_CACHE')! : 'default';
  let secs = DEFAULT_PAC_CACHE_S;
  if (text) {
    if (text.toLowerCase() === 'off') secs = 0;
    else if (isDigits(text)) secs = Number(text);
    else throw new ConnectError(fromCli ? 'USAGE' : 'CONFIG', `${name} must be a number of seconds or off, not '${text.slice(0, 64)}'`);
  }
  let warning: string | undefined;
  if (secs > MAX_PAC_CACHE_S) {
    warning = `a PAC cache lifetime of ${secs} s (${name}) is more than allowed; using ${MAX_PAC_CACHE_S} s`;
    secs = MAX_PAC_CACHE_S;
  }
  const setting = (value: string): Setting => ({ name: 'pac cache', value, from });
  if (secs === 0) return { setting: setting('off'), ...(warning && { warning }) };
  const home = cacheHome(inputs);
  if (!home) return { setting: setting('off (no cache directory: XDG_CACHE_HOME not an absolute path, no home directory)') };
  const dir = join(home.dir, 'connect', 'pac');
  return { cache: { dir, maxAgeS: secs }, setting: setting(`${secs} s at most, in ${dir}${home.xdg ? ' (XDG_CACHE_HOME)' : ''}`), ...(warning && { warning }) };
}

function cacheHome(inputs: CacheHomeInputs): { dir: string; xdg: boolean } | undefined {
  const xdg = inputs.env['XDG_CACHE_HOME'];
  if (xdg?.startsWith('/')) return { dir: xdg, xdg: true };
  return inputs.home?.startsWith('/') ? { dir: join(inputs.home, '.cache'), xdg: false } : undefined;
}

const chosen = new WeakMap<ParamLookup, PacCacheChoice>();

/** The choice for this configuration (its ParamLookup), worked out on first use. */
export function pacCacheFor(o: OptionArgs, params: ParamLookup, inputs: CacheHomeInputs): PacCacheChoice {
  let choice = chosen.get(params);
  if (!choice) chosen.set(params, (choice = pacCacheChoice(o, params, inputs)));
  return choice;
}

/**
 * Where images of evaluated scripts are kept (src/pac/script-image.ts): the
 * PAC cache's directory, also for pac+file (whose script itself is not
 * cached); none when the cache is off or its setting is bad (pac+file does
 * not depend on it, so a bad one is no error there).
 */
export function pacImagesDir(o: OptionArgs, params: ParamLookup, inputs: CacheHomeInputs): string | undefined {
  try {
    return pacCacheChoice(o, params, inputs).cache?.dir;
  } catch {
    return undefined;
  }
}

/** The choice, if a PAC source asked for it while building this configuration. */
export function pacCacheUsed(params: ParamLookup): PacCacheChoice | undefined {
  return chosen.get(params);
}
