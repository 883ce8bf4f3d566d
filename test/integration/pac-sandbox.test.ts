// The PAC sandbox with real QuickJS-in-WebAssembly: scripts that work,
// and hostile ones (each must end in one ConnectError('PAC') line, never
// an answer, and never hang: each test has a hang guard). Every test runs
// on three engines: one that sets QuickJS up afresh for each run, one that
// restores a memory image of that set-up (src/pac/image.ts), and one that
// also keeps and restores images of evaluated scripts (src/pac/script-image.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectError } from '../../src/errors.js';
import { askPac, type PacQuestion } from '../../src/pac/run.js';
import { makeImage } from '../../src/pac/image.js';
import { loadPacEngine, type PacEngine } from '../../src/pac/sandbox.js';
import type { ScriptImages } from '../../src/pac/script-image.js';
import { compileQuickJs } from '../../src/pac/wasm.js';

const HANG_GUARD = { timeout: 30_000 };

function question(source: string, over: Partial<PacQuestion> = {}): PacQuestion & { lookups: string[]; mine: number } {
  const q = {
    source,
    name: 'test.pac',
    url: 'https://target.example:22/',
    host: 'target.example',
    // Generous: only the scripts meant to run out of time should (the machine may be loaded).
    timeoutMs: 10_000,
    lookups: [] as string[],
    mine: 0,
    lookup: async (name: string) => {
      q.lookups.push(name);
      return name === 'target.example' ? ['10.1.2.3'] : name === 'v6.example' ? ['2001:db8::1'] : [];
    },
    myAddresses: async () => {
      q.mine++;
      return ['192.168.7.7'];
    },
    now: () => new Date('2026-12-01T12:00:00Z'),
    ...over,
  };
  return q;
}

const pac = (body: string) => `function FindProxyForURL(url, host) { ${body} }`;

async function assertPacFailure(engine: PacEngine, source: string, pattern: RegExp, over: Partial<PacQuestion> = {}): Promise<void> {
  await assert.rejects(askPac(engine, question(source, over)), (err: unknown) => {
    assert.ok(err instanceof ConnectError, `not a ConnectError: ${String(err)}`);
    assert.equal(err.code, 'PAC');
    assert.match(err.message, /^PAC script test\.pac: /);
    assert.match(err.message, pattern);
    assert.doesNotMatch(err.message, /[\r\n]/);
    return true;
  });
}

const IMAGE_ID = 'pac-sandbox-test';
const image = makeImage(await compileQuickJs(), IMAGE_ID);
/** Images of evaluated scripts, kept in memory across this file's engines of the third kind (src/pac/script-image.ts). */
const kept = new Map<string, Uint8Array>();
const scripts: ScriptImages = { read: (name) => kept.get(name), writable: () => true, write: (name, make) => void kept.set(name, make()) };
const kinds: [string, () => Promise<PacEngine>][] = [
  ['fresh set-up', () => loadPacEngine({ image: null })],
  ['restored image', () => loadPacEngine({ image: { bytes: image, buildId: IMAGE_ID } })],
  ['script images', () => loadPacEngine({ image: { bytes: image, buildId: IMAGE_ID }, scripts })],
];

test('the three engines are what they say', async () => {
  assert.deepEqual(await Promise.all(kinds.map(async ([, load]) => (await load()).fromImage)), [false, true, true]);
});

for (const [kind, load] of kinds) {
  test(`${kind}: a script is asked for the target and its answer returned`, HANG_GUARD, async () => {
    const engine = await load();
    const q = question(pac('return "PROXY " + host + ":3128; DIRECT # " + url;'));
    assert.deepEqual(await askPac(engine, q), { result: 'PROXY target.example:3128; DIRECT # https://target.example:22/', runs: 1 });
    assert.deepEqual(q.lookups, [], 'nothing is resolved unless the script asks');
    assert.equal(q.mine, 0);
  });

  test(`${kind}: names the script resolves are looked up once, then the script runs again`, HANG_GUARD, async () => {
    const engine = await load();
    const q = question(pac(`
      if (isInNet(myIpAddress(), "192.168.0.0", "255.255.0.0") && isInNet(dnsResolve(host), "10.0.0.0", "255.0.0.0")
          && !isResolvable("nowhere.example") && dnsResolveEx("v6.example") == "2001:db8::1")
        return "SOCKS5 office:1080";
      return "DIRECT";`));
    assert.deepEqual(await askPac(engine, q), { result: 'SOCKS5 office:1080', runs: 5 });
    // Only what the script asked, each once: no lookup of the placeholder "null".
    assert.deepEqual(q.lookups, ['target.example', 'nowhere.example', 'v6.example']);
    assert.equal(q.mine, 1);
  });

  test(`${kind}: the standard functions and the language built-ins are there; no host object is`, HANG_GUARD, async () => {
    const engine = await load();
    const probe = pac(`
      var names = ["isPlainHostName","dnsDomainIs","localHostOrDomainIs","isResolvable","isInNet","dnsResolve","myIpAddress",
        "dnsDomainLevels","shExpMatch","weekdayRange","dateRange","timeRange","isResolvableEx","isInNetEx","dnsResolveEx",
        "myIpAddressEx","sortIpAddressList","getClientVersion","alert"];
      var missing = names.filter(function (n) { return typeof globalThis[n] !== "function"; });
      var host = ["process","require","module","Buffer","console","print","std","os","scriptArgs","setTimeout","fetch","WebAssembly","pac","__connectPacRun"]
        .filter(function (n) { return typeof globalThis[n] !== "undefined"; });
      return "DIRECT;" + missing.join(",") + ";" + host.join(",") + ";" + [typeof JSON, typeof RegExp, typeof Date].join(",");`);
    assert.equal((await askPac(engine, question(probe))).result, 'DIRECT;;;object,function,function');
  });

  test(`${kind}: FindProxyForURLEx is preferred when defined (Microsoft IPv6 extension)`, HANG_GUARD, async () => {
    const engine = await load();
    const source = `${pac('return "PROXY old:1";')} function FindProxyForURLEx(url, host) { return "PROXY new:2"; }`;
    assert.equal((await askPac(engine, question(source))).result, 'PROXY new:2');
  });

  test(`${kind}: alert() reaches the host as text; guest values are converted in the guest`, HANG_GUARD, async () => {
    const engine = await load();
    const seen: string[] = [];
    const source = pac('alert("hi " + host); alert({ toString: function () { return "obj"; } }); return "DIRECT";');
    await askPac(engine, question(source, { alert: (m) => seen.push(m) }));
    assert.deepEqual(seen, ['hi target.example', 'obj']);
  });

  /** The budget for scripts that are meant to run out of it. */
  const SHORT = { timeoutMs: 400 };

  const HOSTILE: [string, string, RegExp, Partial<PacQuestion>?][] = [
    ['an infinite loop', pac('for (;;) {}'), /did not finish/, SHORT],
    ['a loop of long builtin calls (interrupt checked too rarely)', pac('var i = 0; for (;;) new Array(1e6).fill(i++);'), /did not finish/, SHORT],
    ['unbounded allocation', pac('var a = [], i = 0; for (;;) a.push(new Array(1e6).fill(i++));'), /ran out of memory|did not finish/],
    ['one huge allocation', pac('return String(new Array(1e9).fill(0).length);'), /ran out of memory/],
    ['string doubling', pac('var s = "x"; for (;;) s = s + s;'), /ran out of memory|string too long|InternalError/],
    ['deep recursion', pac('function f() { return f() + 1; } return f();'), /exhausted/],
    ['native recursion (JSON.parse of deep nesting)', pac('return JSON.parse("[".repeat(1e6));'), /exhausted|SyntaxError/],
    ['catastrophic regular expression', pac('return String(/(a+)+$/.test("a".repeat(40) + "b"));'), /did not finish/, SHORT],
    ['a long sort with a comparator', pac('var a = []; for (var i = 0; i < 2e5; i++) a.push(i); for (;;) a.sort(function (x, y) { return y - x; });'), /did not finish|ran out of memory/, SHORT],
    ['throw of an Error', pac('throw new Error("boom\\nsecond line");'), /Error: boom second line/],
    ['throw of a string', pac('throw "plain";'), /threw "plain"/],
    ['throw of an object whose toString loops', pac('throw { toString: function () { for (;;) {} } };'), /threw|did not finish/, SHORT],
    ['a syntax error', 'function FindProxyForURL(url, host) { return ', /SyntaxError/],
    ['no FindProxyForURL', 'var x = 1;', /defines no function FindProxyForURL/],
    ['FindProxyForURL not a function', 'var FindProxyForURL = "DIRECT";', /defines no function FindProxyForURL/],
    ['a number returned', pac('return 42;'), /returned number, not a string/],
    ['undefined returned', pac('return;'), /returned undefined, not a string/],
    ['null returned', pac('return null;'), /returned an object or null, not a string/],
    ['an object with toString returned', pac('return { toString: function () { return "DIRECT"; } };'), /not a string/],
    ['a huge string returned', pac('return "DIRECT;".repeat(20000);'), /returned \d+ characters/],
    ['this.constructor.constructor escape', pac('return this.constructor.constructor("return process")().mainModule.require("child_process").execSync("id").toString();'), /ReferenceError: 'process' is not defined/],
    ['escape through a host function', pac('return dnsResolve.constructor("return typeof require")() === "undefined" ? require("fs") : "DIRECT";'), /ReferenceError: 'require' is not defined/],
    ['escape through an error\'s prototype chain', pac('try { null.x; } catch (e) { return e.constructor.constructor("return globalThis.process.env")(); }'), /TypeError/],
    ['an import() of a host module', pac('import("fs"); return "DIRECT";').replace('import("fs");', 'var p = import("fs"); if (p) throw new Error("module loaded? " + typeof p);'), /Error/],
    ['too many names', pac('for (var i = 0; i < 100; i++) dnsResolve("n" + i + ".example"); return "DIRECT";'), /more than 16 host names/],
  ];

  for (const [what, source, pattern, over] of HOSTILE) {
    test(`${kind}: hostile script: ${what} → one PAC error line`, HANG_GUARD, async () => {
      await assertPacFailure(await load(), source, pattern, over);
      // With script images: again, from the image when the first run made one.
      if (kind === 'script images') await assertPacFailure(await load(), source, pattern, over);
    });
  }

  test(`${kind}: a script stopped by the watchdog leaves the engine refusing further runs`, HANG_GUARD, async () => {
    const engine = await load();
    await assertPacFailure(engine, pac('var i = 0; for (;;) new Array(1e6).fill(i++);'), /did not finish/, SHORT);
    await assertPacFailure(engine, pac('return "DIRECT";'), /did not finish/);
    // A fresh engine works.
    assert.equal((await askPac(await load(), question(pac('return "DIRECT";')))).result, 'DIRECT');
  });

  test(`${kind}: an engine that ran a failing script still runs the next one (guest errors are contained)`, HANG_GUARD, async () => {
    const engine = await load();
    await assertPacFailure(engine, pac('throw new Error("x");'), /Error: x/);
    await assertPacFailure(engine, pac('var a = [], i = 0; for (;;) a.push(new Array(1e6).fill(i++));'), /ran out of memory|did not finish/);
    assert.equal((await askPac(engine, question(pac('return "DIRECT";')))).result, 'DIRECT');
  });

  test(`${kind}: a lookup that never answers is bounded by the same budget`, HANG_GUARD, async () => {
    const engine = await load();
    const never = () => new Promise<string[]>(() => {});
    await assertPacFailure(engine, pac('return dnsResolve(host) ? "DIRECT" : "DIRECT";'), /did not finish within 400 ms \(waiting for a name lookup\)/, { ...SHORT, lookup: never });
  });

  test(`${kind}: the guest keeps the host's clock and time zone (the FFI's localtime and tzset)`, HANG_GUARD, async () => {
    const saved = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      const engine = await load();
      const probe = pac('var d = new Date(Date.UTC(2026, 6, 1, 12)); return [d.getHours(), d.getTimezoneOffset(), new Date(2026, 0, 1).getTimezoneOffset(), Math.abs(Date.now() - new Date().getTime()) < 1000].join(",");');
      const summer = new Date(Date.UTC(2026, 6, 1, 12));
      assert.equal((await askPac(engine, question(probe))).result, [summer.getHours(), summer.getTimezoneOffset(), new Date(2026, 0, 1).getTimezoneOffset(), true].join(','));
      assert.equal(summer.getHours(), 8, 'the host itself follows TZ');
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  test(`${kind}: each run's context and runtime are freed (by the next run, or with its instance): 80 runs of 1 MB each fit the 48 MiB cap`, HANG_GUARD, async () => {
    const engine = await load();
    // Held by the context (a global), so only freeing the context gives it back.
    const source = `var kept = new Array(131072).fill(0); ${pac('return "DIRECT;" + kept.length;')}`;
    for (let i = 0; i < 80; i++) assert.equal((await askPac(engine, question(source))).result, 'DIRECT;131072', `run ${i + 1}`);
  });
}
