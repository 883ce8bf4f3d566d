// Builds the optional `kerberos` package's native part (MIT GSSAPI, for
// Negotiate with Kerberos; README "Proxy authentication") from source: npm
// runs no install scripts of dependencies unless they are approved, and the
// package's prebuilt binaries are downloaded from GitHub, which not every
// machine can reach. Needs a C++ compiler and libkrb5-dev (Debian). The
// addon uses Node-API, so one build serves every Node version.
// Usage: npm run build-kerberos
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
let pkg;
try {
  pkg = dirname(require.resolve('kerberos/package.json'));
} catch {
  console.error('build-kerberos: the optional package "kerberos" is not installed (npm ci installs it unless --omit=optional)');
  process.exit(1);
}
// node-gyp: npm's own (npm sets npm_config_node_gyp for scripts), else beside npm.
const nodeGyp = process.env.npm_config_node_gyp
  ?? join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
// This Node's headers where a distribution installed them (no download).
const prefix = join(dirname(process.execPath), '..');
const nodedir = existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
execFileSync(process.execPath, [nodeGyp, 'rebuild', ...nodedir], { cwd: pkg, stdio: ['ignore', 'inherit', 'inherit'] });
require('kerberos'); // loads, or this throws
console.error(`build-kerberos: ${pkg} built`);
