/**
 * The impure edge of configuration: reads /etc/connectrc, ~/.connectrc
 * (home from the passwd entry, as connect.c), /etc/services, the login
 * name and (for -D only) network interfaces, then hands everything to the
 * pure builders. /etc/services is read only when a service name is looked up.
 */
import { readFileSync } from 'node:fs';
import { passwdEntry } from './passwd.js';
import type { OptionArgs, ParsedArgs } from './types.js';
import { buildConfig, preflight, type BuildInputs } from './build.js';
import type { RcFile } from './env.js';
import { servicesLookup, type PortLookup } from './services.js';
import type { CliConfig } from './types.js';

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The passwd entry of the effective user id (as os.userInfo() looks it up):
 * from /etc/passwd when it is there, which spares loading node:os at every
 * start; otherwise the system's lookup (NSS: LDAP, sssd…) through node:os.
 */
function account(): { name: string; home: string | undefined } {
  const uid = process.geteuid?.();
  const text = uid === undefined ? undefined : readText('/etc/passwd');
  const entry = text === undefined ? undefined : passwdEntry(text, uid!);
  if (entry) return entry;
  try {
    const u = process.getBuiltinModule('node:os').userInfo();
    return { name: u.username, home: u.homedir };
  } catch {
    return { name: process.env['USER'] ?? process.env['LOGNAME'] ?? 'unknown', home: process.env['HOME'] };
  }
}

function readBuildInputs(env: Record<string, string | undefined> = process.env, onFailure?: (warning: string) => void): BuildInputs {
  const { name, home } = account();
  // Joined by hand: path.join's first call compiles it (and normalize) at every start.
  const paths = ['/etc/connectrc', ...(home ? [`${home.endsWith('/') ? home.slice(0, -1) : home}/.connectrc`] : [])];
  const rcFiles: RcFile[] = [];
  for (const path of paths) {
    const text = readText(path);
    if (text !== undefined) rcFiles.push({ path, text });
  }
  // Read only when -D asks for local networks (a getter: the builder stays pure).
  return { env, rcFiles, loginName: name, home, onFailure, get networkInterfaces() { return process.getBuiltinModule('node:os').networkInterfaces(); } };
}

/** Service names from /etc/services, read on first use. */
export function systemPortLookup(): PortLookup {
  let lookup: PortLookup | undefined;
  return (name) => (lookup ??= servicesLookup(readText('/etc/services') ?? ''))(name);
}

/** `onFailure` gets the rc file warnings when the configuration fails (they may be why). */
export function loadConfig(args: ParsedArgs, onFailure?: (warning: string) => void, env?: Record<string, string | undefined>): CliConfig {
  return buildConfig(args, readBuildInputs(env, onFailure));
}

/** For the no-host case: fails like connect.c when the method has no server; returns rc warnings. */
export function loadPreflight(options: OptionArgs, onFailure?: (warning: string) => void, env?: Record<string, string | undefined>): string[] {
  return preflight(options, readBuildInputs(env, onFailure));
}
