/**
 * Parameter lookup as connect.c's getparam(): the environment first, then
 * the rc files (later files override earlier ones). An environment variable
 * that is set but empty counts as set (getenv returns ""), as in connect.c.
 * Names the rc files do not accept (SOCKS4_USER, SOCKS_USER, TELNET_PROXY,
 * ...) come from the environment only.
 */
import { parseRc, RC_NAMES } from './rc.js';

export interface RcFile {
  path: string;
  text: string;
}

export interface ParamLookup {
  get(name: string): string | undefined;
  /** Where `name`'s value comes from: `environment variable NAME`, `/etc/connectrc:3 (NAME)`; undefined when unset. */
  origin(name: string): string | undefined;
  /** rc file problems, one line each. */
  warnings: string[];
}

export function makeParamLookup(env: Record<string, string | undefined>, rcFiles: readonly RcFile[]): ParamLookup {
  const merged = new Map<string, { value: string; where: string }>();
  const warnings: string[] = [];
  for (const file of rcFiles) {
    const rc = parseRc(file.text, file.path);
    for (const w of rc.warnings) warnings.push(w);
    for (const [k, value] of rc.values) merged.set(k, { value, where: `${file.path}:${rc.lines.get(k)}` });
  }
  const fromRc = (name: string) => (RC_NAMES.has(name) ? merged.get(name) : undefined);
  return {
    warnings,
    get(name) {
      const fromEnv = env[name];
      return fromEnv !== undefined ? fromEnv : fromRc(name)?.value;
    },
    origin(name) {
      if (env[name] !== undefined) return `environment variable ${name}`;
      const rc = fromRc(name);
      return rc && `${rc.where} (${name})`;
    },
  };
}

/** The first of `names` that is set. */
export function firstParam(params: ParamLookup, names: readonly string[]): string | undefined {
  return firstParamWithOrigin(params, names)?.value;
}

/** The first of `names` that is set, and where it comes from. */
export function firstParamWithOrigin(params: ParamLookup, names: readonly string[]): { value: string; from: string } | undefined {
  for (const name of names) {
    const value = params.get(name);
    if (value !== undefined) return { value, from: params.origin(name)! };
  }
  return undefined;
}
