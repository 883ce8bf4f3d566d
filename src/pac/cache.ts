/**
 * The PAC cache's files: one per entry (src/pac/cache-entry.ts) in
 * `<XDG_CACHE_HOME or ~/.cache>/connect/pac`. Private to the user, made so
 * that nobody else can slip a script in:
 *
 * - `connect` and `connect/pac` are made with mode 0700, and used only when
 *   they are real directories (lstat: a symlink is refused) owned by this
 *   user and writable by nobody else; otherwise the cache is off for the
 *   run (reason in -d).
 * - an entry is read through O_NOFOLLOW and used only when it is a regular
 *   file owned by this user, of mode 0600 or less, of bounded size, whose
 *   checksum holds;
 * - an entry is written to a fresh temporary name (O_CREAT|O_EXCL|
 *   O_NOFOLLOW, 0600) and renamed over the old one, so a reader sees the
 *   old file or the new one, never half of one.
 *
 * Every failure here is a cache miss, never an error of the session.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MAX_PAC_BYTES } from './fetched.js';
import { decodeEntry, encodeEntry, entryFileName, MAX_PAC_CACHE_S, MAX_STALE_IF_ERROR_S, type CacheEntry } from './cache-entry.js';

/** Where the cache is and how long a script may be kept (src/config/pac-cache.ts builds it). */
export interface PacCacheConfig {
  /** `<cache home>/connect/pac`. */
  dir: string;
  /** The setting: seconds a fetched script is kept at most (the server may say less). */
  maxAgeS: number;
}

/** A decoded 1 MiB script is at most 3 MiB of UTF-8 (UTF-16 input); plus the header. */
const MAX_ENTRY_BYTES = 3 * MAX_PAC_BYTES + 64 * 1024;
/** Entries past any use (lifetime and stale window at their largest) are removed when another is written. */
const KEEP_MS = (MAX_PAC_CACHE_S + MAX_STALE_IF_ERROR_S) * 1000;
/** At most this many entries (the oldest go): a laptop meets many networks. */
const MAX_ENTRIES = 64;

export type ReadResult = { entry: CacheEntry } | { miss: string };

export async function readEntry(cache: PacCacheConfig, key: string): Promise<ReadResult> {
  const refused = await checkDirs(cache.dir, false);
  if (refused) return { miss: refused };
  let handle;
  try {
    handle = await open(join(cache.dir, entryFileName(key)), constants.O_RDONLY | constants.O_NOFOLLOW);
    const st = await handle.stat();
    const bad = badFile(st);
    if (bad) return { miss: bad };
    const bytes = Buffer.allocUnsafe(st.size);
    let got = 0;
    while (got < st.size) {
      const { bytesRead } = await handle.read(bytes, got, st.size - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    const entry = decodeEntry(bytes.subarray(0, got), key);
    return typeof entry === 'string' ? { miss: entry } : { entry };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { miss: code === 'ENOENT' ? 'none yet' : code === 'ELOOP' ? 'a symlink (refused)' : `unreadable (${code ?? String(err)})` };
  } finally {
    await handle?.close().catch(() => {});
  }
}

/** Writes `entry` (replacing the old one); returns why not, or undefined when written. */
export async function writeEntry(cache: PacCacheConfig, entry: CacheEntry): Promise<string | undefined> {
  const refused = await checkDirs(cache.dir, true);
  if (refused) return refused;
  const name = entryFileName(entry.key);
  const temp = join(cache.dir, `.${name}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`);
  try {
    const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      await handle.writeFile(encodeEntry(entry));
    } finally {
      await handle.close();
    }
    await rename(temp, join(cache.dir, name));
  } catch (err) {
    await unlink(temp).catch(() => {});
    return `not written (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
  }
  await prune(cache.dir, name).catch(() => {});
  return undefined;
}

/** Removes the entry for `key` (the server said no-store). */
export async function removeEntry(cache: PacCacheConfig, key: string): Promise<void> {
  if (await checkDirs(cache.dir, false)) return;
  await unlink(join(cache.dir, entryFileName(key))).catch(() => {});
}

const uid = (): number | undefined => process.getuid?.();

/** Why the file cannot be an entry of ours, or undefined. */
function badFile(st: Stats): string | undefined {
  if (!st.isFile()) return 'not a regular file (refused)';
  if (st.uid !== uid()) return `owned by uid ${st.uid}, not us (refused)`;
  if ((st.mode & 0o077) !== 0) return `mode ${(st.mode & 0o777).toString(8)}, not private (refused)`;
  if (st.size > MAX_ENTRY_BYTES) return 'too large (ignored)';
  return undefined;
}

/**
 * `dir` (…/connect/pac) and its parent (…/connect): real directories, ours,
 * writable by us alone; with `create`, made (0700) when missing, the cache
 * home above them too. Returns why not, or undefined.
 */
async function checkDirs(dir: string, create: boolean): Promise<string | undefined> {
  if (uid() === undefined) return 'no user id on this platform';
  const parent = dirname(dir);
  if (create) {
    try {
      await mkdir(dirname(parent), { recursive: true, mode: 0o700 });
    } catch (err) {
      return `cache home not usable (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
    }
  }
  for (const d of [parent, dir]) {
    const why = await checkDir(d, create);
    if (why) return why;
  }
  return undefined;
}

async function checkDir(dir: string, create: boolean): Promise<string | undefined> {
  if (create) await mkdir(dir, { mode: 0o700 }).catch(() => {});
  let st: Stats;
  try {
    st = await lstat(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'none yet' : `${dir} not usable (${code ?? String(err)})`;
  }
  if (st.isSymbolicLink()) return `${dir} is a symlink (refused)`;
  if (!st.isDirectory()) return `${dir} is not a directory (refused)`;
  if (st.uid !== uid()) return `${dir} is owned by uid ${st.uid}, not us (refused)`;
  if ((st.mode & 0o022) !== 0) return `${dir} is writable by others, mode ${(st.mode & 0o777).toString(8)} (refused)`;
  return undefined;
}

/** Drops entries too old to be used, leftover temporary files, and the oldest beyond MAX_ENTRIES. */
async function prune(dir: string, keep: string): Promise<void> {
  const now = Date.now();
  const entries: { name: string; mtimeMs: number }[] = [];
  for (const name of await readdir(dir)) {
    const st = await lstat(join(dir, name)).catch(() => undefined);
    if (!st?.isFile() || name === keep) continue;
    const temp = name.endsWith('.tmp');
    if (!temp && !/^(url|wpad)-[0-9a-f]{16}\.pac$/.test(name)) continue;
    if (now - st.mtimeMs > (temp ? 60_000 : KEEP_MS)) await unlink(join(dir, name)).catch(() => {});
    else if (!temp) entries.push({ name, mtimeMs: st.mtimeMs });
  }
  entries.sort((a, b) => b.mtimeMs - a.mtimeMs);
  for (const old of entries.slice(MAX_ENTRIES - 1)) await unlink(join(dir, old.name)).catch(() => {});
}
