/**
 * The CLI: argv → config → tunnel → relay → exit status. It sets exitCode
 * and lets pending stdout writes drain; the process is ended early only
 * through the `exit` that bin/connect.cjs passes to `run`: on a signal
 * (SIGTERM, SIGINT, SIGHUP) after a short flush, and once a finished
 * session has written everything.
 */
import { basename } from 'node:path';
import { describeError } from '../errors.js';
import { enableDebug, logger } from '../log.js';
import { explanationLines } from '../config/explain.js';
import { parseArgs, usageText, VERSION } from './args.js';
import { loadConfig, loadPreflight, systemPortLookup } from '../config/load.js';
import type { Duplex, Readable, Writable } from 'node:stream';
import type { CliConfig, PasswordSource } from '../config/types.js';
import { validateTunnel } from '../config/validate.js';
import { open } from '../open.js';
import { relay } from '../relay.js';
import { installSignalHandlers } from './signals.js';

export type Exit = (code: number) => void;

const log = logger('main');

/** How the CLI ended: its exit status, and whether a stdio session relayed everything. */
export interface Outcome {
  code: number;
  /** The session is over: the relay finished (every byte reached stdout's kernel buffer) or -F passed the socket (see run()). */
  relayed: boolean;
}

const done = (code: number): Outcome => ({ code, relayed: false });

export async function main(argv: string[], programName: string, exit: Exit): Promise<Outcome> {
  const parsed = parseArgs(argv, { programName, lookupPort: systemPortLookup() });
  const warn = (warning: string) => process.stderr.write(`${programName}: ${warning}\n`);
  switch (parsed.kind) {
    case 'usage':
      // connect.c checks the method's server before noticing there is no host.
      for (const warning of loadPreflight(parsed.options, warn)) warn(warning);
      process.stderr.write(`${VERSION}\n${usageText(programName)}`);
      return done(0);
    case 'version':
      if (parsed.to === 'stdout') report(VERSION);
      else process.stderr.write(`${VERSION}\n`);
      return done(0);
    case 'help':
      report((await import('./help.js')).helpText(programName));
      return done(0);
    case 'error':
      process.stderr.write(`${programName}: ${parsed.message}\n${usageText(programName)}`);
      return done(1);
  }
  const config = loadConfig(parsed.args, warn);
  for (const warning of config.warnings) warn(warning);
  config.tunnel.onWarning ??= (message) => warn(`warning: ${message}`);
  if (parsed.args.explain) return await printExplanation(config, parsed.args.explain);
  enableDebug(config.debugLevel);
  logConfig(config);
  config.tunnel.getPassword ??= lazyPasswordSource(config.askpass);
  if (config.fdpass) return passToSsh(config);
  if (config.listen) {
    validateTunnel(config.tunnel); // fail now, not when the first client arrives
    return done(await (await import('./listen.js')).serveLocal(config.tunnel, config.listen));
  }
  return runStdio(config, exit);
}

async function runStdio(config: CliConfig, exit: Exit): Promise<Outcome> {
  let tunnel: Duplex | undefined;
  let output: Writable | undefined;
  // On a signal: take in nothing more, flush what already arrived, exit 128+signo.
  installSignalHandlers(() => { tunnel?.unpipe(); tunnel?.pause(); }, { output: () => output ?? process.stdout, exit });
  // Set up stdin/stdout while the proxy is answering, not after: on the
  // tick after the first connect was started (net.connect makes the
  // connect(2) call on a tick of its own), or once the tunnel is up, if
  // no connect came first. Nothing is read yet.
  let stdio: ReturnType<typeof startStdio> | undefined;
  const stdioOnce = () => (stdio ??= startStdio());
  const opening = open({ ...config.tunnel, onConnecting: () => process.nextTick(stdioOnce) });
  tunnel = await opening;
  const { stdin, stdout } = await stdioOnce();
  output = stdout;
  await relay(tunnel, stdin, stdout);
  tunnel.destroy();
  stdin.destroy();
  return { code: 0, relayed: true };
}

/** -F: negotiate the route, hand the socket to ssh, exit (ssh waits for that). */
async function passToSsh(config: CliConfig): Promise<Outcome> {
  const { prepareFdPass } = await import('./fdpass.js');
  const send = prepareFdPass(config); // every refusal before connecting
  const tunnel = await open({ ...config.tunnel, readExactly: true });
  await send(tunnel);
  return { code: 0, relayed: true };
}

function startStdio(): Promise<{ stdin: Readable; stdout: Writable }> {
  const stdio = import('./stdio.js').then((m) => m.openStdio());
  stdio.catch(() => {}); // awaited in runStdio unless opening failed first
  return stdio;
}

/** Password prompting (askpass, `read` on the tty) is loaded only when a proxy asks. */
function lazyPasswordSource(askpass: string | undefined): PasswordSource {
  let source: Promise<PasswordSource> | undefined;
  return async (req) => {
    source ??= import('../auth/password.js').then((m) => m.makePasswordSource({ askpass }));
    return (await source)(req);
  };
}

/** -d: the same decision --explain prints, at the start of the session. */
function logConfig(config: CliConfig): void {
  if (!log.enabled || !config.explanation) return;
  for (const line of explanationLines(config.explanation)) log('%s', line);
}

/** --explain: the route and where each setting came from, on stdout (there is no tunnel); nothing is connected. */
async function printExplanation(config: CliConfig, format: 'text' | 'json'): Promise<Outcome> {
  const e = config.explanation!; // buildConfig always sets it
  // A PAC script is asked about the target (fetched and run; no proxy is contacted).
  if (config.tunnel.pac && !e.direct.matched?.direct) {
    e.pac = await (await import('../pac/dial.js')).explainPac(config.tunnel);
    if (e.pac.routes) e.decision = `${e.pac.routes.join(', else ')} (the PAC script's answer); to ${e.target}`;
  }
  const text = format === 'json' ? JSON.stringify(e, null, 2) : explanationLines(e).join('\n');
  report(text);
  return done(0);
}

/**
 * --help, --version and --explain: the only output on stdout that is not
 * the relay's. These modes open no tunnel and exit 0, so stdout carries
 * nothing else (README "Usage"); every tunnel mode writes stdout only
 * through the relay (or, with -F, the descriptor message).
 */
function report(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** `name.replace(/\.c?js$/, '')`: `connect` for bin/connect.cjs. */
function withoutScriptExtension(name: string): string {
  if (name.endsWith('.cjs')) return name.slice(0, -4);
  return name.endsWith('.js') ? name.slice(0, -3) : name;
}

/**
 * The CLI's entry, called by bin/connect.cjs with the one function allowed
 * to end the process at once (process.exit): src/ never calls it itself.
 */
export function run(argv: readonly string[], exit: Exit): void {
  const programName = withoutScriptExtension(basename(argv[1] ?? 'connect'));
  main(argv.slice(2), programName, exit).then(
    ({ code, relayed }) => {
      process.exitCode = code;
      // A finished stdio session has nothing left to do: relay() resolved
      // after stdout's end callback (every byte handed to the kernel), and
      // stderr has nothing queued (writes to pipes, files and TTYs are
      // synchronous on Linux; elsewhere a pending write keeps the normal path).
      // Exiting now skips closing the sockets one more loop turn and Node's
      // heap teardown, a cost of every session (test/bench/NOTES.md).
      if (relayed && process.stderr.writableLength === 0) exit(code);
    },
    (err: unknown) => {
      process.stderr.write(`${programName}: ${describeError(err)}\n`);
      process.exitCode = 1;
      // Nothing was relayed, so nothing is owed to stdout; a lookup or socket
      // still pending (e.g. getaddrinfo after a -w timeout) must not keep us.
      if (process.stderr.writableLength === 0) exit(1);
    },
  );
}
