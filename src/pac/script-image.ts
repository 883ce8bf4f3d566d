/**
 * Images of QuickJS after a PAC script's top-level code ran (its functions
 * defined, its globals set), kept per user: a later run of the same script
 * restores one instead of parsing and compiling the script again in QuickJS,
 * which also spares V8 compiling QuickJS's parser and compiler
 * (test/bench/NOTES.md). Only with the PAC cache on (--pac-cache off: none).
 *
 * An image is made (src/pac/sandbox.ts) only when that evaluation depended
 * on the script's text alone: it succeeded, called no PAC function (no name
 * lookup, no address, no alert), read neither the clock nor the time zone,
 * and left Math.random's seed as the restore wrote it. Evaluating the script
 * anew would then give the very same memory, so the image stands in for it;
 * each run restores it as the build's image is restored (src/pac/image.ts:
 * a fresh instance, a fresh seed, the limits applied again). An image names
 * its build, and carries the script's name and text, compared in full.
 *
 * The files follow the PAC cache's rules (src/pac/cache.ts), beside its
 * entries in `<cache home>/connect/pac`: directories that are real, ours,
 * writable by us alone (made 0700); a file read through O_NOFOLLOW and used
 * only when it is a regular file of ours, of mode 0600 or less, of bounded
 * size, whose checksum holds; written to a fresh temporary name (O_CREAT|
 * O_EXCL|O_NOFOLLOW, 0600) and renamed over the old one. It is written when
 * the process exits (after the session), at most MAX_IMAGES are kept, and
 * every failure is a miss.
 */
import { accessSync, closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, writeSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { fnv1a } from './cache-entry.js';

export interface ScriptImages {
  /** The image kept for the script `name`, if any (checked by the caller). */
  read(name: string): Uint8Array | undefined;
  /** Whether an image could be written (else none is made: making one costs a run more than it saves). */
  writable(): boolean;
  /** Keeps the image `make` gives for the script `name` (the user's store: at exit). */
  write(name: string, make: () => Uint8Array): void;
}

/** What an image of the script must carry: its name and text. */
export const scriptLabel = (name: string, source: string): Uint8Array => Buffer.from(JSON.stringify([name, source]), 'utf8');

/** A 1 MiB script's image is well below this; one whose top level keeps more is not kept. */
export const MAX_IMAGE_BYTES = 8 << 20;
/** Images kept at most (the oldest go): one per script a user runs. */
const MAX_IMAGES = 8;
const FILE = /^image-[0-9a-f]{16}\.qjs$/;

const fileName = (name: string): string => {
  const bytes = Buffer.from(name, 'utf8');
  return `image-${fnv1a(bytes)}${fnv1a(bytes, 0x050c5d1f)}.qjs`;
};

/** The user's images in `dir` (the PAC cache's directory). */
export function userScriptImages(dir: string): ScriptImages {
  const pending = new Map<string, () => Uint8Array>();
  return {
    read: (name) => readImageFile(dir, fileName(name)),
    writable: () => writable(dir),
    write(name, make) {
      if (pending.size === 0) process.once('exit', () => { for (const [n, m] of pending) writeImageFile(dir, fileName(n), m); });
      pending.set(name, make);
    },
  };
}

const uid = (): number | undefined => process.getuid?.();

function readImageFile(dir: string, name: string): Uint8Array | undefined {
  if (!dirsUsable(dir)) return undefined;
  let fd: number | undefined;
  try {
    fd = openSync(join(dir, name), constants.O_RDONLY | constants.O_NOFOLLOW);
    const st = fstatSync(fd);
    if (!privateFile(st) || st.size > MAX_IMAGE_BYTES) return undefined;
    const bytes = Buffer.allocUnsafe(st.size);
    for (let got = 0, n; got < st.size; got += n) if ((n = readSync(fd, bytes, got, st.size - got, got)) === 0) return undefined;
    return bytes;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function writeImageFile(dir: string, name: string, make: () => Uint8Array): void {
  const temp = join(dir, `.${name}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
  try {
    const bytes = make();
    if (bytes.length > MAX_IMAGE_BYTES) return;
    mkdirSync(dirname(dirname(dir)), { recursive: true, mode: 0o700 });
    // Each made and checked before the next: nothing is made through a planted link.
    for (const d of [dirname(dir), dir]) {
      try {
        mkdirSync(d, { mode: 0o700 });
      } catch {}
      if (!dirUsable(d)) return;
    }
    const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, join(dir, name));
    prune(dir, name);
  } catch {
    rmSync(temp, { force: true });
  }
}

/** The directories are usable, or can be made: the nearest one there above them is ours to write in. */
function writable(dir: string): boolean {
  const parent = dirname(dir);
  if (lstatSync(parent, { throwIfNoEntry: false })) {
    if (!dirUsable(parent)) return false;
    return lstatSync(dir, { throwIfNoEntry: false }) ? dirUsable(dir) : true;
  }
  for (let d = dirname(parent); ; d = dirname(d)) {
    if (lstatSync(d, { throwIfNoEntry: false })) {
      try {
        accessSync(d, constants.W_OK);
        return true;
      } catch {
        return false;
      }
    }
    if (dirname(d) === d) return false;
  }
}

/** `dir` and its parent: real directories, ours, writable by us alone. */
function dirsUsable(dir: string): boolean {
  return dirUsable(dirname(dir)) && dirUsable(dir);
}

function dirUsable(dir: string): boolean {
  const me = uid();
  const st = me === undefined ? undefined : lstatSync(dir, { throwIfNoEntry: false });
  return st !== undefined && st.isDirectory() && st.uid === me && (st.mode & 0o022) === 0;
}

function privateFile(st: Stats): boolean {
  return st.isFile() && st.uid === uid() && (st.mode & 0o077) === 0;
}

/** The newest MAX_IMAGES images stay (`keep` among them); leftover temporary files of ours go. */
function prune(dir: string, keep: string): void {
  const images: { name: string; mtimeMs: number }[] = [];
  for (const name of readdirSync(dir)) {
    const st = lstatSync(join(dir, name), { throwIfNoEntry: false });
    if (!st?.isFile() || name === keep) continue;
    if (name.startsWith('.image-') && name.endsWith('.tmp')) {
      if (Date.now() - st.mtimeMs > 60_000) rmSync(join(dir, name), { force: true });
    } else if (FILE.test(name)) {
      images.push({ name, mtimeMs: st.mtimeMs });
    }
  }
  images.sort((a, b) => b.mtimeMs - a.mtimeMs);
  for (const old of images.slice(MAX_IMAGES - 1)) rmSync(join(dir, old.name), { force: true });
}
