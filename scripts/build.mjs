// Build: type-check and compile everything with tsc (build/, used by the
// tests), then bundle the shipped entries with esbuild and copy the
// library's declarations:
//   dist/cli.cjs    the CLI, ONE CommonJS file (no chunks, no ES modules):
//                   ssh starts it for every connection, and on Node 20 the
//                   ES module loader alone costs several ms per start. Its
//                   first line is `//build <id> <v8>` (hash of the bundle,
//                   the V8 version the build's cache is made for).
//   dist/cli.cache  V8 code cache for cli.cjs (<id line>, a checksum of the
//                   payload (see bin/connect.cjs), cachedData), made here
//                   by running sessions through bin/connect.cjs (see there).
//   dist/index.js   the library (ESM, protocol modules in lazy chunks).
//   dist/pac.cjs    the PAC code (src/pac/, what cli.cjs does not have already),
//                   loaded by cli.cjs only when a PAC is used, through a code
//                   cache of its own (dist/pac.cache, made by the build's PAC session).
//   dist/cold.cjs   code a plain session never runs (--help, -L's server,
//                   password prompts, TLS to a proxy, Digest), loaded by
//                   cli.cjs on first use, through a code cache of its own.
//   dist/quickjs.wasm  the PAC sandbox (QuickJS), read only when a PAC is used,
//                   with QuickJS set up for PAC runs in a custom section (an
//                   image each run restores: src/pac/image.ts).
// Startup measurements behind this shape: test/bench/NOTES.md.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

// CONNECT_BUILD_LENIENT=1 (development only): report type errors, build anyway.
try {
  execFileSync(process.execPath, [tsc, '-p', root], { stdio: 'inherit' });
} catch (err) {
  if (process.env.CONNECT_BUILD_LENIENT !== '1') process.exit(1);
}

rmSync(dist, { recursive: true, force: true });
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
};

// ------------------------------------------------------------------ CLI

/**
 * commander requires node:child_process when it loads, for executable
 * subcommands we never declare; loading it (and what it pulls in) is a
 * measurable part of every start. Give commander a stand-in that loads
 * the real module on first use.
 */
const lazyChildProcess = {
  name: 'lazy-child-process-for-commander',
  setup(build) {
    build.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'lazy-cp' } : undefined);
    build.onLoad({ filter: /.*/, namespace: 'lazy-cp' }, () => ({
      loader: 'js',
      contents: "module.exports = { spawn: (...a) => require('node:child_process').spawn(...a) };",
    }));
  },
};

/**
 * Libraries needed only on a rare path (the Public Suffix List, for WPAD;
 * commander for command lines the simple tokenizer leaves to it; debug for
 * -d; read for a password typed at the terminal) are bundled into files of
 * their own in dist/vendor/, and cli.cjs requires them from there on first
 * use, so every other start neither reads nor keeps their source (a plain
 * session's cli.cjs is a third smaller: test/bench/NOTES.md). They share no
 * state with our code. (The PAC sandbox needs no JavaScript library:
 * src/pac/quickjs.ts drives QuickJS's WebAssembly directly.)
 */
const VENDORED = ['tldts', 'commander', 'debug', 'read'];
/** The checksum bin/connect.cjs gives the bundle for the caches of the files it loads (cacheChecksum() there). */
const LAUNCHER_CHECKSUM = "globalThis[Symbol.for('connect.cache-checksum')]";
const vendorFile = (name) => `${name.replace(/^@/, '').replace(/\//g, '-')}.cjs`;
const vendored = {
  name: 'vendored-pac-libraries',
  setup(build) {
    const filter = new RegExp(`^(${VENDORED.map((n) => n.replace(/[/.]/g, '\\$&')).join('|')})$`);
    build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'vendored' }));
    build.onLoad({ filter: /.*/, namespace: 'vendored' }, (args) => ({
      loader: 'js',
      contents: `module.exports = (${loadVendored})(${JSON.stringify(`vendor/${vendorFile(args.path)}`)}, require, __dirname, ${LAUNCHER_CHECKSUM});`,
    }));
  },
};

/**
 * How cli.cjs loads a vendored file, the PAC code or the cold code: compiled
 * through a V8 code cache of its own (NAME.cache beside it: the checksum of
 * the payload on the first line, then cachedData; made by the build's
 * sessions or the first run that loads the file, rewritten when missing,
 * damaged or rejected and dist/ is writable), as bin/connect.cjs does for
 * cli.cjs, whose checksum function (cacheChecksum() there) it is given;
 * without one, no cache. `require` serves the file's require() calls.
 */
function loadVendored(name, require, dir, checksum) {
  const fs = require('node:fs');
  const path = require('node:path');
  const vm = require('node:vm');
  const file = path.join(dir, name);
  const cacheFile = file.replace(/\.cjs$/, '.cache');
  const mode = checksum ? process.env.CONNECT_CODE_CACHE : 'off';
  let cachedData;
  if (mode !== 'off') {
    try {
      const data = fs.readFileSync(cacheFile);
      // V8 trusts a cache's payload: a damaged one would crash every run (bin/connect.cjs).
      if (data[8] === 0x0a && data.toString('latin1', 0, 8) === checksum(data.subarray(9))) cachedData = data.subarray(9);
    } catch {}
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {\n${fs.readFileSync(file, 'utf8')}\n})`, { filename: file, lineOffset: -1, cachedData });
  if (mode !== 'off' && (mode === 'write' || !cachedData || script.cachedDataRejected)) {
    process.once('exit', () => {
      try {
        const payload = script.createCachedData();
        fs.writeFileSync(cacheFile, Buffer.concat([Buffer.from(`${checksum(payload)}\n`, 'latin1'), payload]));
      } catch {}
    });
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, require, module, file, path.dirname(file));
  return module.exports;
}

/**
 * The PAC code lives in dist/pac.cjs, apart from cli.cjs: a start without a
 * PAC neither reads nor deserialises it, and a PAC run gets it from a code
 * cache of its own. That cache must be made and used under the V8 flags a
 * PAC run sets (src/v8-flags.ts), which cli.cjs's cannot be (it is loaded
 * before them, and plain runs share it); measured in test/bench/NOTES.md.
 * pac.cjs holds only modules cli.cjs has not: every module cli.cjs has
 * without it (a first build, leaving it out) is handed to it by cli.cjs at
 * load time (`connect:src/….ts`), so both share one instance of each
 * (ConnectError, the logger, the compile under way in src/pac/wasm.ts).
 */
const PAC_ENTRY = join(root, 'src/pac/dial.ts');
const sourceOf = (args) => join(args.resolveDir, args.path).replace(/\.js$/, '.ts');
const pacLeftOut = {
  name: 'pac-left-out',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => (sourceOf(args) === PAC_ENTRY ? { path: 'pac', namespace: 'pac-code' } : undefined));
    // What the stand-in below has of its own: the compile.
    build.onLoad({ filter: /.*/, namespace: 'pac-code' }, () => ({ loader: 'js', resolveDir: root, contents: "require('./src/pac/wasm.ts');" }));
  },
};
/** What a file run through vm.Script (the launcher, loadVendored) is built as. */
const asVmScript = {
  format: 'cjs',
  // import() becomes require(): vm.Script has no loader for dynamic imports.
  supported: { 'dynamic-import': false },
  // import.meta (src/lazy-package.ts, for the ESM build's createRequire) as a
  // lazy getter: the bundle has `require` and never reads it, and a first
  // pathToFileURL() would be paid up front (test/bench/NOTES.md).
  define: { 'import.meta': '__import_meta' },
  banner: { js: 'var __import_meta={get url(){return require("node:url").pathToFileURL(__filename).href}};' },
};
const cliOptions = {
  ...common,
  // Short local names: a smaller bundle to read and a smaller code cache to
  // deserialise at every start (test/bench/NOTES.md, round 7). Exported
  // names and error names are kept; the library build (below) keeps all.
  minifyIdentifiers: true,
  entryPoints: [join(root, 'src/cli/main.ts')],
  absWorkingDir: root,
  outfile: join(dist, 'cli.cjs'),
  ...asVmScript,
  write: false,
  metafile: true,
  // The optional native Kerberos package: required at run time, and only
  // when a proxy offers Negotiate (src/auth/kerberos.ts).
  external: ['kerberos'],
};
/**
 * Modules a plain session never runs, each reached from cli.cjs's code only
 * through import(), live in dist/cold.cjs with what they alone import. V8's
 * code cache holds a SharedFunctionInfo for every function cli.cjs declares
 * and refers to, run or not, and deserialises all of them at every start
 * (test/bench/NOTES.md, round 9). NTLM and Negotiate stay in cli.cjs: an
 * NTLM proxy is met at every session where one is, and its cost over Basic
 * is a target of its own.
 */
const COLD_ENTRIES = ['cli/help', 'cli/listen', 'auth/password', 'transport/tls', 'auth/digest'].map((m) => join(root, 'src', `${m}.ts`));
const isCold = (args) => COLD_ENTRIES.includes(sourceOf(args));
const coldLeftOut = {
  name: 'cold-left-out',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (!isCold(args)) return undefined;
      if (args.kind !== 'dynamic-import') return { errors: [{ text: `${relative(root, sourceOf(args))} is in dist/cold.cjs: import it with import(), or take it off COLD_ENTRIES` }] };
      return { path: 'cold', namespace: 'cold-stub' };
    });
    build.onLoad({ filter: /.*/, namespace: 'cold-stub' }, () => ({ loader: 'js', contents: '' }));
  },
};

const cliModules = (result) => new Set(Object.keys(result.metafile.inputs).filter((p) => !p.includes(':')));
/** esbuild's module ids (paths from the root) of a build, for the checks below. */
const bundled = (result) => new Set(Object.keys(result.metafile.inputs));
const hot = cliModules(await esbuild.build({ ...cliOptions, plugins: [lazyChildProcess, vendored, pacLeftOut, coldLeftOut] }));

/** Modules the bundle being built gets from cli.cjs at load time as require('connect:<id>'): one instance of each, shared. */
function fromCli(sharedIds) {
  return {
    name: 'modules-from-cli',
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, (args) => {
        const id = relative(root, sourceOf(args));
        if (!hot.has(id)) return undefined;
        sharedIds.add(id);
        return { path: `connect:${id}`, external: true };
      });
    },
  };
}
/**
 * Source that loads dist/FILE with loadVendored, its require('connect:<id>')
 * of each shared module served by a require() of that module in cli.cjs.
 */
const chunkLoader = (file, ids) => [
  `const shared = {${[...ids].map((id) => `${JSON.stringify(`connect:${id}`)}: () => require(${JSON.stringify(`./${id}`)})`).join(', ')}};`,
  `module.exports = (${loadVendored})(${JSON.stringify(file)}, (id) => (shared[id] ? shared[id]() : require(id)), __dirname, ${LAUNCHER_CHECKSUM});`,
].join('\n');
/**
 * The image in dist/quickjs.wasm (src/pac/image.ts) belongs to one .wasm and
 * one build of the code that sets QuickJS up and restores it: its build id,
 * a hash of both, is written into the image and defined in pac.cjs.
 */
const QUICKJS_WASM = createRequire(import.meta.url).resolve('@jitl/quickjs-wasmfile-release-sync/wasm');
const IMAGE_SOURCES = ['quickjs', 'setup', 'image', 'sandbox', 'functions'].map((name) => join(root, 'src', 'pac', `${name}.ts`));
const imageBuildId = [QUICKJS_WASM, ...IMAGE_SOURCES].reduce((hash, file) => hash.update(readFileSync(file)), createHash('sha256')).digest('hex').slice(0, 32);
const pacOptions = {
  ...common,
  entryPoints: [PAC_ENTRY],
  outfile: join(dist, 'pac.cjs'),
  ...asVmScript,
  define: { ...asVmScript.define, PAC_IMAGE_BUILD_ID: JSON.stringify(imageBuildId) },
  external: ['kerberos'],
  metafile: true,
};
// What the PAC code imports from outside src/pac/ (and cli.cjs would not have
// otherwise, e.g. the CA list a cold module also uses) stays in cli.cjs, so
// that pac.cjs and cold.cjs never hold copies of one module.
const pacFirst = await esbuild.build({ ...pacOptions, write: false, plugins: [fromCli(new Set()), vendored] });
for (const id of cliModules(pacFirst)) if (!id.startsWith('src/pac/') && id.startsWith('src/')) hot.add(id);
const shared = new Set();
const pac = await esbuild.build({ ...pacOptions, plugins: [fromCli(shared), vendored] });

/** dist/cold.cjs: exports, for each cold entry, a function that runs it (its module's exports). */
const coldShared = new Set();
const cold = await esbuild.build({
  ...common,
  stdin: {
    contents: `module.exports = {${COLD_ENTRIES.map((f) => `${JSON.stringify(relative(root, f))}: () => require(${JSON.stringify(`./${relative(root, f)}`)})`).join(', ')}};`,
    resolveDir: root,
    sourcefile: 'cold-entries.js',
  },
  outfile: join(dist, 'cold.cjs'),
  ...asVmScript,
  plugins: [fromCli(coldShared), vendored],
  external: ['kerberos'],
  metafile: true,
});
const twice = [...bundled(cold)].filter((id) => bundled(pac).has(id) && id !== '<stdin>');
if (twice.length > 0) throw new Error(`dist/pac.cjs and dist/cold.cjs would each hold a copy of: ${twice.join(', ')}`);
if ([...bundled(cold)].some((id) => id.startsWith('src/pac/'))) throw new Error('dist/cold.cjs must not hold PAC code (src/pac/ is dist/pac.cjs)');

/** In cli.cjs, in place of src/pac/dial.ts: start the sandbox's compile (it sets the V8 flags), then load pac.cjs. */
const pacCode = {
  name: 'pac-code',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => (sourceOf(args) === PAC_ENTRY ? { path: 'pac', namespace: 'pac-code' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'pac-code' }, () => ({
      loader: 'js',
      resolveDir: root,
      contents: `require('./src/pac/wasm.ts').compileQuickJs().catch(() => {});\n${chunkLoader('pac.cjs', shared)}`,
    }));
  },
};
/**
 * In cli.cjs, in place of each cold entry: its module's exports from
 * dist/cold.cjs, which is loaded (once, on the first such import) with the
 * modules it shares with cli.cjs.
 */
const coldCode = {
  name: 'cold-code',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => (isCold(args) ? { path: relative(root, sourceOf(args)), namespace: 'cold-entry' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'cold-entry' }, (args) => ({
      loader: 'js',
      resolveDir: root,
      contents: `module.exports = require('cold-chunk')[${JSON.stringify(args.path)}]();`,
    }));
    build.onResolve({ filter: /^cold-chunk$/ }, () => ({ path: 'cold', namespace: 'cold-chunk' }));
    build.onLoad({ filter: /.*/, namespace: 'cold-chunk' }, () => ({
      loader: 'js',
      resolveDir: root,
      contents: chunkLoader('cold.cjs', coldShared),
    }));
  },
};
const cli = await esbuild.build({ ...cliOptions, plugins: [lazyChildProcess, vendored, pacCode, coldCode] });
const extra = [...cliModules(cli)].filter((id) => !hot.has(id));
if (extra.length > 0) throw new Error(`dist/cli.cjs has modules the PAC code and the cold code were not given: ${extra.join(', ')}`);
const cliText = cli.outputFiles[0].text;
// What bin/connect.cjs relies on: no import(), and require() of node builtins
// only (the optional kerberos aside, required inside a try/catch; debug, whose
// optional supports-color is required the same way, lives in dist/vendor/).
if (/\bimport\(/.test(cliText)) throw new Error('dist/cli.cjs still contains import()');
for (const [, id] of cliText.matchAll(/\brequire\("([^"]+)"\)/g)) {
  if (!builtinModules.includes(id.replace(/^node:/, '')) && id !== 'kerberos') {
    throw new Error(`dist/cli.cjs requires a non-builtin module at run time: ${id}`);
  }
}
for (const [file, ids] of [['pac.cjs', shared], ['cold.cjs', coldShared]]) {
  for (const [, id] of readFileSync(join(dist, file), 'utf8').matchAll(/\brequire\("([^"]+)"\)/g)) {
    if (!builtinModules.includes(id.replace(/^node:/, '')) && !ids.has(id.replace(/^connect:/, '')) && !id.startsWith('vendor/') && id !== 'kerberos') {
      throw new Error(`dist/${file} requires a module cli.cjs does not give it: ${id}`);
    }
  }
}
for (const name of VENDORED) {
  await esbuild.build({
    ...common,
    entryPoints: [createRequire(import.meta.url).resolve(name)],
    outfile: join(dist, 'vendor', vendorFile(name)),
    ...asVmScript,
    plugins: [lazyChildProcess],
  });
}
// bin/connect.cjs runs the file as a vm.Script whose value is the module
// function (no wrapper concatenated at run time: that was a second copy of
// the whole source in every process); require() of it runs that function at once.
const LAUNCHABLE_HEAD = "(typeof exports === 'undefined' ? (f) => f : (f) => f(exports, require, module, __filename, __dirname))(function (exports, require, module, __filename, __dirname) {\n";
const LAUNCHABLE_TAIL = '\n});\n';
const buildId = createHash('sha256').update(cliText).digest('hex').slice(0, 16);
mkdirSync(dist, { recursive: true });
writeFileSync(join(dist, 'cli.cjs'), `//build ${buildId} ${process.versions.v8}\n${LAUNCHABLE_HEAD}${cliText}${LAUNCHABLE_TAIL}`);

// -------------------------------------------------------------- library

await esbuild.build({
  ...common,
  entryPoints: { index: join(root, 'src/index.ts') },
  outdir: dist,
  splitting: true,
  format: 'esm',
  external: ['kerberos'],
  // CommonJS dependencies (debug) call require() for node builtins.
  banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
});

// The PAC sandbox's WebAssembly, beside the bundles: src/pac/sandbox.ts reads
// it from there, and only when a PAC script is used.
// It carries QuickJS set up for PAC runs, a memory image each run restores
// (src/pac/image.ts), made by the code tsc compiled above, in a custom section;
// made before the build's sessions, whose PAC run then makes pac.cache on the
// path every run takes. Not fatal: without it, runs set QuickJS up afresh.
{
  const wasm = readFileSync(QUICKJS_WASM);
  let shipped = wasm;
  try {
    const { makeImage, withImage } = await import(pathToFileURL(join(root, 'build', 'src', 'pac', 'image.js')).href);
    shipped = withImage(wasm, makeImage(new WebAssembly.Module(wasm), imageBuildId));
  } catch (err) {
    process.stderr.write(`build: no QuickJS image: ${err.message}\n`);
  }
  writeFileSync(join(dist, 'quickjs.wasm'), shipped);
}

// Declarations where package.json's "types" looks: dist/types/src/index.d.ts.
mkdirSync(join(dist, 'types', 'src'), { recursive: true });
cpSync(join(root, 'build', 'src'), join(dist, 'types', 'src'), {
  recursive: true,
  filter: (p) => !p.endsWith('.js'),
});

// ----------------------------------------------------------- code cache

/**
 * Run a SOCKS5, an HTTP CONNECT and a failover-to-direct session (and -V, and the cold code's runs) through
 * bin/connect.cjs with CONNECT_CODE_CACHE=write: each run loads the cache so
 * far and rewrites it at exit, so it ends up holding the bytecode of every
 * function a session runs. The cache fits this node's V8 only; another
 * node rejects it and the launcher rewrites it on first run when it can.
 */
async function makeCodeCache() {
  const banner = Buffer.from('SSH-2.0-build\r\n');
  // The tests' fake proxy, as tsc compiled it above: reply and banner in one write.
  const { startFakeProxy } = await import(pathToFileURL(join(root, 'build', 'test', 'helpers', 'fake-proxy.js')).href);
  const socks = await startFakeProxy('socks5', { answer: { banner } });
  const http = await startFakeProxy('http', { answer: { banner } });
  // A target speaking first, and a port that refuses: the -x failover-to-direct path.
  const target = createServer({ allowHalfOpen: true }, (s) => { s.on('error', () => {}); s.on('end', () => s.end()); s.end(banner); });
  await new Promise((r) => target.listen(0, '127.0.0.1', r));
  const dead = createServer();
  await new Promise((r) => dead.listen(0, '127.0.0.1', r));
  const deadPort = dead.address().port;
  await new Promise((r) => dead.close(r));
  const run = (args, env = {}) => new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'connect.cjs'), ...args], {
      env: { PATH: process.env.PATH, LANG: 'C', CONNECT_CODE_CACHE: 'write', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) child.stdin.end();
    });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`connect ${args.join(' ')}: exit ${code} ${err}`))));
    if (args[0] === '-V') child.stdin.end();
  });
  try {
    await run(['-S', `127.0.0.1:${socks.port}`, 'target.example', '22']);
    await run(['-H', `127.0.0.1:${http.port}`, 'target.example', '22']);
    await run(['-x', `socks5://127.0.0.1:${deadPort},direct://`, '127.0.0.1', String(target.address().port)]);
    await run(['-V']);
    await trainColdCode(run, startFakeProxy, banner);
    // A PAC session (after the others: it changes V8's flags, so it writes
    // no cli.cache) makes dist/pac.cache, under the flags every PAC run has.
    const pac = join(dist, 'build-session.pac');
    // A typical corporate script (the standard functions most scripts call, a
    // failover list), so that pac.cache holds what a usual PAC run runs.
    writeFileSync(pac, `function FindProxyForURL(url, host) {
  if (isPlainHostName(host) || dnsDomainIs(host, ".intranet.example") || localHostOrDomainIs(host, "intranet")) return "DIRECT";
  if (shExpMatch(host, "10.*") || isInNet("192.0.2.1", "10.0.0.0", "255.0.0.0") || dnsDomainLevels(host) > 5) return "DIRECT";
  if (url.substring(0, 6) == "https:") return "PROXY 127.0.0.1:${http.port}; DIRECT";
  return "DIRECT";
}`);
    try {
      await run(['-x', `pac+file://${pac}`, 'target.example', '22']);
    } finally {
      rmSync(pac, { force: true });
    }
  } finally {
    await Promise.all([socks.close(), http.close(), new Promise((r) => target.close(r))]);
  }
}

/**
 * dist/cold.cache: --help and a Digest session (the code cache of the cold
 * code otherwise holds what its first user ran). cli.cache is put back as the
 * sessions above left it: what these runs add to it would be deserialised at
 * every start. Not fatal: without it, the first run that loads cold.cjs
 * makes one where dist/ is writable.
 */
async function trainColdCode(run, startFakeProxy, banner) {
  const cliCache = readFileSync(join(dist, 'cli.cache'));
  const digest = await startFakeProxy('http', { auth: { user: 'build', password: 'build-pw', offer: ['Digest-SHA-256'] }, answer: { banner } });
  try {
    await run(['--help']);
    await run(['-H', `build@127.0.0.1:${digest.port}`, 'target.example', '22'], { HTTP_PROXY_PASSWORD: 'build-pw' });
  } catch (err) {
    rmSync(join(dist, 'cold.cache'), { force: true });
    process.stderr.write(`build: no code cache for dist/cold.cjs: ${err.message}\n`);
  } finally {
    writeFileSync(join(dist, 'cli.cache'), cliCache);
    await digest.close();
  }
}

try {
  await makeCodeCache();
} catch (err) {
  // Not fatal: the launcher works without a cache (and makes one itself).
  rmSync(join(dist, 'cli.cache'), { force: true });
  process.stderr.write(`build: no code cache: ${err.message}\n`);
}
