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
  /** rc file problems, one line each. */
  warnings: string[];
}

export function makeParamLookup(env: Record<string, string | undefined>, rcFiles: readonly RcFile[]): ParamLookup {
  const merged = new Map<string, string>();
  const warnings: string[] = [];
  for (const file of rcFiles) {
    const rc = parseRc(file.text, file.path);
    warnings.push(...rc.warnings);
    for (const [k, v] of rc.values) merged.set(k, v);
  }
  return {
    warnings,
    get(name) {
      const fromEnv = env[name];
      if (fromEnv !== undefined) return fromEnv;
      return RC_NAMES.has(name) ? merged.get(name) : undefined;
    },
  };
}

/** The first of `names` that is set. */
export function firstParam(params: ParamLookup, names: readonly string[]): string | undefined {
  for (const name of names) {
    const v = params.get(name);
    if (v !== undefined) return v;
  }
  return undefined;
}
