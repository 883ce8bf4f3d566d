// Build: type-check and compile everything with tsc (build/, used by the
// tests), then bundle the shipped entries with esbuild (dist/, one file per
// entry plus lazily loaded chunks) and copy the library's declarations.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

// CONNECT_BUILD_LENIENT=1 (development only): report type errors, build anyway.
try {
  execFileSync(process.execPath, [tsc, '-p', root], { stdio: 'inherit' });
} catch (err) {
  if (process.env.CONNECT_BUILD_LENIENT !== '1') process.exit(1);
}

await esbuild.build({
  entryPoints: { cli: join(root, 'src/cli/main.ts'), index: join(root, 'src/index.ts') },
  outdir: join(root, 'dist'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  // CommonJS dependencies (debug, undici) call require() for node builtins.
  banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
});

mkdirSync(join(root, 'dist', 'types'), { recursive: true });
cpSync(join(root, 'build', 'src'), join(root, 'dist', 'types'), {
  recursive: true,
  filter: (p) => !p.endsWith('.js'),
});
