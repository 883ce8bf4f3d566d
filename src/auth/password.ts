/**
 * Password sources (README "Environment and rc files"): SSH_ASKPASS when OpenSSH would use it, else
 * the controlling terminal; never stdin. No terminal and no askpass: a clear
 * error instead of a hang. Passwords are never logged nor put in errors.
 */
import { ConnectError } from '../errors.js';
import { logger, shownUser } from '../log.js';
import type { PasswordRequest, PasswordSource } from '../config/types.js';
import { chooseAskMethod, runAskpass } from './askpass.js';
import { openTerminal, promptOnTerminal } from './tty.js';

const log = logger('auth');

export interface PasswordOptions {
  /** The askpass program (SSH_ASKPASS from env or rc); defaults to env.SSH_ASKPASS. */
  askpass?: string;
  /** DISPLAY, WAYLAND_DISPLAY, SSH_ASKPASS_REQUIRE; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** The terminal to prompt on (tests); default /dev/tty. */
  ttyPath?: string;
}

/** A request may carry the tunnel's deadline; the prompt ends when it expires. */

export function makePasswordSource(opts: PasswordOptions = {}): PasswordSource {
  const env = opts.env ?? process.env;
  return async (req: PasswordRequest) => {
    const method = chooseAskMethod(opts.askpass ?? env.SSH_ASKPASS, env);
    if (method.via === 'askpass') {
      log('asking %s for the password of %s', method.program, shownUser(req.user));
      return runAskpass(method.program, req.prompt, env, req.signal);
    }
    if (method.via === 'none') throw noPassword(req, method.why);
    const terminal = openTerminal(opts.ttyPath);
    if ('why' in terminal) throw noPassword(req, terminal.why);
    log('asking on the terminal for the password of %s', shownUser(req.user));
    return promptOnTerminal(terminal.fd, req.prompt, req.signal);
  };
}

function noPassword(req: PasswordRequest, why: string): ConnectError {
  const variable = req.kind === 'socks5' ? 'SOCKS5_PASSWORD' : 'HTTP_PROXY_PASSWORD';
  return new ConnectError(
    'NO_PASSWORD',
    `cannot ask for the password of ${shownUser(req.user)}@${req.proxy.host}: ${why}; set ${variable} (or CONNECT_PASSWORD), or SSH_ASKPASS`,
  );
}
