// Runs every compiled *.test.js under build/test (Node 20's --test cannot
// take a glob, and given a directory it would run the helpers as tests).
// Extra arguments filter by path substring: `node scripts/run-tests.mjs unit/`.
// test/setup/ (checks of the machine, not of the product) runs only when a
// filter names it: `node scripts/run-tests.mjs setup/` (npm run check-setup).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..', 'build', 'test');
const sources = join(import.meta.dirname, '..', 'test');
const filters = process.argv.slice(2);
const files = readdirSync(root, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.test.js') && !f.startsWith('bench'))
  // Only tests whose source still exists: tsc never deletes build/ output of
  // a moved or removed test file.
  .filter((f) => existsSync(join(sources, f.replace(/\.js$/, '.ts'))))
  .filter((f) => (filters.length === 0 ? !f.startsWith('setup') : filters.some((x) => f.includes(x))))
  .sort()
  .map((f) => join(root, f));
if (files.length === 0) {
  process.stderr.write('no test files found\n');
  process.exitCode = 1;
} else {
  process.stderr.write(`running ${files.length} test files: ${files.map((f) => relative(root, f)).join(' ')}\n`);
  const run = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
  process.exitCode = run.status ?? 1;
}
