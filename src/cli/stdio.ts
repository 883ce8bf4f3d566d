/** stdin/stdout as the relay's input and output. */
import type { Readable, Writable } from 'node:stream';

export function openStdio(): { stdin: Readable; stdout: Writable } {
  return { stdin: process.stdin, stdout: process.stdout };
}
