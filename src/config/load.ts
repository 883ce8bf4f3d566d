/**
 * The impure edge of configuration: reads /etc/connectrc, ~/.connectrc
 * (home from the passwd entry, as connect.c), /etc/services, the login
 * name and (for -D only) network interfaces, then hands everything to the
 * pure builders. /etc/services is read only when a service name is looked up.
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces, userInfo } from 'node:os';
import { join } from 'node:path';
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

function account(): { name: string; home: string | undefined } {
  try {
    const u = userInfo();
    return { name: u.username, home: u.homedir };
  } catch {
    return { name: process.env['USER'] ?? process.env['LOGNAME'] ?? 'unknown', home: process.env['HOME'] };
  }
}

function readBuildInputs(env: Record<string, string | undefined> = process.env, onFailure?: (warning: string) => void): BuildInputs {
  const { name, home } = account();
  const paths = ['/etc/connectrc', ...(home ? [join(home, '.connectrc')] : [])];
  const rcFiles: RcFile[] = [];
  for (const path of paths) {
    const text = readText(path);
    if (text !== undefined) rcFiles.push({ path, text });
  }
  // Read only when -D asks for local networks (a getter: the builder stays pure).
  return { env, rcFiles, loginName: name, home, onFailure, get networkInterfaces() { return networkInterfaces(); } };
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
