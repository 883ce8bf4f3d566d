import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prepareFdPass } from '../../src/cli/fdpass.js';
import type { CliConfig } from '../../src/config/types.js';

const config: CliConfig = { tunnel: { target: { host: 'h', port: 22 }, hops: [], direct: [] }, debugLevel: 0, warnings: [], fdpass: true };

test('-F on a platform without descriptor passing: refused before anything else', () => {
  const platform = Object.getOwnPropertyDescriptor(process, 'platform')!;
  Object.defineProperty(process, 'platform', { ...platform, value: 'win32' });
  try {
    assert.throws(() => prepareFdPass(config), { code: 'FDPASS', message: /this platform cannot pass descriptors/ });
  } finally {
    Object.defineProperty(process, 'platform', platform);
  }
});

test('-F with -p: a usage error', () => {
  assert.throws(() => prepareFdPass({ ...config, listen: { host: '127.0.0.1', port: 1, hold: false } }), { code: 'USAGE' });
});
