/**
 * Command line parsing (connect.c's options, README "Usage"): argv in, a typed ParseResult out.
 * Commander does the tokenising (grouped short flags, attached values);
 * option *order* is taken from its `option:*` events, because connect.c's
 * method flags are "last one wins". Never prints, never exits.
 *
 * Startup cost: the usual command line (each flag a word of its own, each
 * value the next word, then the operands) is tokenised here without
 * commander, giving the very events commander would; commander is loaded
 * only for anything else (grouped flags, attached values, `--`, unknown
 * options, a missing value): loading and running it is a cost every start
 * would pay (test/bench/NOTES.md).
 */
import type { Command } from 'commander';
import type { PortLookup } from '../config/services.js';
import type { ListenConfig, Method, OptionArgs, ParsedArgs } from '../config/types.js';
import { isDigits } from '../chars.js';
import { lazyPackage } from '../lazy-package.js';

type Commander = typeof import('commander');
const loadCommander = lazyPackage<Commander>(() => require('commander'), 'commander');

export type ParseResult =
  | { kind: 'run'; args: ParsedArgs }
  | { kind: 'usage'; options: OptionArgs }
  /** -V: connect.c's banner on stderr; --version: on stdout, as GNU tools do. */
  | { kind: 'version'; to: 'stderr' | 'stdout' }
  /** --help: usage and the option list on stdout. */
  | { kind: 'help' }
  | { kind: 'error'; message: string };

export interface ParseOptions {
  /** argv[0] as invoked (`connect-25` gives port 25). */
  programName: string;
  /** Service name → port (/etc/services). */
  lookupPort?: PortLookup;
}

/** -V banner (two lines, no trailing newline), as connect.c prints it. */
export const VERSION = 'connect --- simple relaying command via proxy.\nVersion 1.105 (connect for Node.js 0.1.0)';

export function usageText(programName: string): string {
  return (
    `usage: ${programName} [-dnhst45] [-p local-port][-R resolve] [-w timeout] \n` +
    '          [-H proxy-server[:port]] [-S [user@]socks-server[:port]] \n' +
    '          [-T proxy-server[:port]]\n' +
    '          [-c telnet-proxy-command]\n' +
    '          host port\n' +
    '  also:   [-D] [-F] [-V] [-a auth-list] [-P [addr:]local-port] [-p [addr:]local-port]\n' +
    '          [-x proxy-url]... [-k keepalive-secs] [--insecure] [--explain]\n' +
    '          [--pac-cache secs|off] [--help] [--version]\n'
  );
}

class ArgError extends Error {}

const FLAGS = ['-n', '-s', '-h', '-t', '-4', '-5', '-d', '-D', '-F', '-V', '--insecure', '--explain', '--explain-json', '--help', '--version'];
const VALUED = ['-S', '-H', '-T', '-R', '-a', '-p', '-P', '-w', '-c', '-x', '-k', '--pac-cache'];
const METHOD_OF: Record<string, Method> = { n: 'direct', s: 'socks', S: 'socks', h: 'http', H: 'http', t: 'telnet', T: 'telnet' };

/** `--explain=json` is the flag `--explain-json`; `--explain=text` is `--explain`. */
const EXPLAIN_FORMS: Record<string, string> = { '--explain=json': '--explain-json', '--explain=text': '--explain' };

export type Event = { name: string; value: string | undefined };

function makeCommand(programName: string, events: Event[]): Command {
  const cmd = new (loadCommander().Command)()
    .name(programName)
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} })
    .helpOption(false)
    .passThroughOptions()
    .argument('[operands...]');
  for (const f of FLAGS) cmd.option(f);
  for (const f of VALUED) cmd.option(`${f} <value>`);
  for (const o of cmd.options) {
    const name = o.name();
    cmd.on(`option:${name}`, (value?: string) => events.push({ name, value }));
  }
  return cmd;
}

function commanderMessage(err: InstanceType<Commander['CommanderError']>): string {
  const opt = /'(-[^' ]+)/.exec(err.message)?.[1] ?? '';
  if (err.code === 'commander.unknownOption') return `unknown option '${opt}'`;
  if (err.code === 'commander.optionMissingArgument') return `option '${opt}' needs argument.`;
  return err.message.replace(/^error: /, '');
}

export function parseArgs(argv: readonly string[], opts: ParseOptions): ParseResult {
  argv = argv.map((a) => EXPLAIN_FORMS[a] ?? a);
  const tokens = simpleTokens(argv) ?? commanderTokens(argv, opts.programName);
  if ('kind' in tokens) return tokens;
  const { events, operands } = tokens;
  const early = helpOrVersion(events);
  if (early) return early;
  try {
    const optionArgs = applyEvents(events, opts.lookupPort);
    if (operands.length === 0) return { kind: 'usage', options: optionArgs };
    return { kind: 'run', args: { ...optionArgs, ...target(operands, opts) } };
  } catch (err) {
    if (err instanceof ArgError) return { kind: 'error', message: err.message };
    throw err;
  }
}

/** The first of --help, --version or -V given wins over everything else on the line. */
function helpOrVersion(events: Event[]): ParseResult | undefined {
  for (const { name } of events) {
    if (name === 'help') return { kind: 'help' };
    if (name === 'version') return { kind: 'version', to: 'stdout' };
    if (name === 'V') return { kind: 'version', to: 'stderr' };
  }
  return undefined;
}

export interface Tokens { events: Event[]; operands: string[] }

/** The general tokeniser: commander. A usage error or -V comes back as a ParseResult. */
export function commanderTokens(argv: readonly string[], programName: string): Tokens | ParseResult {
  const events: Event[] = [];
  const cmd = makeCommand(programName, events);
  try {
    cmd.parse([...argv], { from: 'user' });
  } catch (err) {
    const early = helpOrVersion(events);
    if (early) return early;
    if (err instanceof loadCommander().CommanderError) return { kind: 'error', message: commanderMessage(err) };
    throw err;
  }
  return { events, operands: cmd.args };
}

const SIMPLE_FLAGS = new Set(FLAGS);
const SIMPLE_VALUED = new Set(VALUED);

/**
 * The command line as commander (with the options above and
 * passThroughOptions) would see it, when every option before the first
 * operand is a whole word (`-S`, `--insecure`) and every value is the next
 * word; undefined for anything else, which commander then handles.
 */
export function simpleTokens(argv: readonly string[]): Tokens | undefined {
  const events: Event[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    // commander: a word is an option when it is longer than 1 and starts with '-'.
    if (arg.length < 2 || arg[0] !== '-') return { events, operands: argv.slice(i) };
    const name = arg.slice(arg[1] === '-' ? 2 : 1);
    if (SIMPLE_FLAGS.has(arg)) {
      events.push({ name, value: undefined });
    } else if (SIMPLE_VALUED.has(arg) && i + 1 < argv.length) {
      events.push({ name, value: argv[++i]! });
    } else {
      return undefined; // grouped, attached, `--`, unknown or missing a value
    }
  }
  return { events, operands: [] };
}

function applyEvents(events: Event[], lookup: PortLookup | undefined): OptionArgs {
  const o: OptionArgs = {
    method: 'direct', methodExplicit: false, socksVersion: 5, debugLevel: 0,
    localNets: false, proxyUrls: [], insecure: false, fdpass: false,
  };
  let hold = false;
  for (const { name, value } of events) {
    const v = value ?? '';
    const method = METHOD_OF[name];
    if (method) {
      o.method = method;
      o.methodExplicit = true;
      o.methodFlag = `-${name}`;
      if (value !== undefined) o.server = value;
    }
    switch (name) {
      case '4': o.socksVersion = 4; break;
      case '5': o.socksVersion = 5; break;
      case 'd': o.debugLevel++; break;
      case 'D': o.localNets = true; break;
      case 'F': o.fdpass = true; break;
      case 'insecure': o.insecure = true; break;
      case 'explain': o.explain = 'text'; break;
      case 'explain-json': o.explain = 'json'; break;
      case 'R': o.resolve = v; break;
      case 'a': o.socks5Auth = v; break;
      case 'c': o.telnetCommand = v; break;
      case 'x': o.proxyUrls.push(v); break;
      case 'w': o.timeoutSecs = seconds(v, '-w'); break;
      case 'k': o.keepAliveSecs = seconds(v, '-k'); break;
      case 'pac-cache': o.pacCache = v; break;
      case 'P': hold = true; o.listen = parseListen(v, lookup, hold); break;
      case 'p': o.listen = parseListen(v, lookup, hold); break;
    }
  }
  return o;
}

function seconds(v: string, opt: string): number {
  if (!isDigits(v)) throw new ArgError(`option '${opt}' needs a number of seconds, not '${v}'`);
  return Number(v);
}

/** `port`, `addr:port` or `[v6addr]:port`; address defaults to 127.0.0.1 (beyond connect.c). */
function parseListen(spec: string, lookup: PortLookup | undefined, hold: boolean): ListenConfig {
  let host = '127.0.0.1';
  let portText = spec;
  const m = /^\[([^\]]*)\]:(.*)$/.exec(spec) ?? /^([^:]*):([^:]*)$/.exec(spec);
  if (m) {
    host = m[1]!;
    portText = m[2]!;
    if (host === '') throw new ArgError(`empty listen address in '${spec}'`);
  }
  const port = resolvePort(portText, lookup);
  if (port === undefined) throw new ArgError(`invalid local port '${spec}'`);
  return { host, port, hold };
}

/** A port number 1–65535 or a service name; undefined when unusable. */
function resolvePort(text: string, lookup: PortLookup | undefined): number | undefined {
  if (isDigits(text)) {
    const n = Number(text);
    return n >= 1 && n <= 65535 ? n : undefined;
  }
  return text === '' ? undefined : lookup?.(text);
}

function target(operands: string[], opts: ParseOptions): { host: string; port: number } {
  const host = operands[0]!;
  if (host === '') throw new ArgError('empty destination host');
  const portText = operands.length > 1 ? operands[1]! : portFromProgramName(opts.programName);
  const port = portText === undefined ? undefined : resolvePort(portText, opts.lookupPort);
  if (port === undefined) throw new ArgError('You must specify the destination port correctly.');
  return { host, port };
}

/** `connect-25`, `/usr/bin/connect-25.exe`, `connect-ssh` → '25' / 'ssh'. */
export function portFromProgramName(programName: string): string | undefined {
  const base = programName.split(/[/\\]/).pop() ?? '';
  if (!base.startsWith('connect-')) return undefined;
  return base.slice('connect-'.length).split('.')[0];
}
