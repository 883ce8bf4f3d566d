import { ConnectError } from '../errors.js';
import type { CliConfig } from '../config/types.js';

export async function serveLocal(_config: CliConfig): Promise<number> {
  throw new ConnectError('CONFIG', '-p/-P are not implemented yet');
}
