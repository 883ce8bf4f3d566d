// The option table (source of man/connect.1) agrees with the parser and
// the usage text, and the committed man page is generated from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { OPTIONS } from '../../src/cli/options.js';
import { parseArgs, usageText } from '../../src/cli/args.js';
import { REPO_ROOT } from '../helpers/run.js';

const documented = new Set(OPTIONS.map((o) => o.flags));

test('every documented option is accepted by the parser, with a value exactly when it has an arg', () => {
  for (const o of OPTIONS) {
    if (o.flags === '-V' || o.flags === '--version' || o.flags === '--help') continue; // print and exit instead of parsing on
    const value = o.flags === '-p' || o.flags === '-P' ? ['5550'] : o.arg ? ['1'] : [];
    const r = parseArgs([o.flags, ...value, 'host', '22'], { programName: 'connect' });
    assert.equal(r.kind, 'run', `${o.flags}: ${r.kind === 'error' ? r.message : r.kind}`);
    if (r.kind === 'run') assert.equal(r.args.host, 'host', `${o.flags} took a value it should not have`);
    if (o.arg) {
      const missing = parseArgs(['-n', o.flags], { programName: 'connect' });
      assert.equal(missing.kind, 'error', `${o.flags} without its value`);
    }
  }
});

test('every option in the usage text is documented', () => {
  const usage = usageText('connect');
  const flags = new Set<string>();
  for (const m of usage.matchAll(/\[(--?[A-Za-z0-9][A-Za-z0-9-]*)/g)) {
    const f = m[1]!;
    if (f.startsWith('--')) flags.add(f);
    else for (const c of f.slice(1)) flags.add(`-${c}`);
  }
  assert.ok(flags.size >= 15, [...flags].join(' '));
  for (const f of flags) assert.ok(documented.has(f), `${f} is in the usage text but not in OPTIONS`);
});

test('man/connect.1 is up to date (node scripts/gen-man.mjs)', () => {
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'gen-man.mjs'), '--check'], { stdio: 'pipe' });
});
