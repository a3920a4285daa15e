// File writes that never leave a half-written file where a reader would take it as valid:
// write to a unique temp name beside the target, fsync, rename over the target, fsync the directory.
// Durability across a power loss (not only a killed process) needs every step: data fsynced before the rename
// that publishes it, the folder fsynced after the rename (else the rename may be undone), and a folder this
// process created fsynced into its parent (else the whole folder may vanish). docs/format.md §8.
import { mkdir, open, rename, rm, readdir } from 'node:fs/promises';
import { closeSync, fsync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { promisify } from 'node:util';

let tempCounter = 0;

/**
 * mkdir -p that survives a power loss: every folder it creates is fsynced into its parent (the parent of the
 * topmost new folder first), so a file later renamed into the deepest one cannot vanish with its folder.
 * A no-op (one mkdir call) when the folder exists.
 */
export function mkdirDurableSync(dir: string): void {
  const created = mkdirSync(dir, { recursive: true });
  if (created === undefined) return;
  for (let d = dir; ; d = dirname(d)) {
    fsyncDirSync(dirname(d));
    if (d === created || d === dirname(d)) break;
  }
}

/** fsync a folder with a synchronous call (its new, renamed or removed entries survive a power loss). */
export function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const fsyncCallback = promisify(fsync);

/**
 * fsync an open descriptor on the thread pool: many can be in flight at once (the caller keeps the fd open
 * until it resolves). Stage code keeps every other syscall synchronous, so nothing of its own queues behind.
 */
export function fsyncFd(fd: number): Promise<void> {
  return fsyncCallback(fd);
}

/** Write all of `data` at the current position of `fd`. */
export function writeAllSync(fd: number, data: Uint8Array): void {
  let done = 0;
  while (done < data.length) done += writeSync(fd, data, done, data.length - done);
}

export function tempNameFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${++tempCounter}.tmp`);
}

export async function fsyncDir(dir: string): Promise<void> {
  // open and close are quick: only the fsync takes a thread-pool round trip.
  const fd = openSync(dir, 'r');
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Atomically replace `target` with `data` (temp file + fsync + rename + dir fsync). `durable: false` skips
 * the fsyncs for derived files that a run can always recreate: rename still makes them all-or-nothing
 * against a crash of the process, and readers validate them.
 */
export async function writeFileAtomic(target: string, data: Uint8Array | string, opts: { durable?: boolean } = {}): Promise<void> {
  const durable = opts.durable ?? true;
  if (durable) mkdirDurableSync(dirname(target));
  else await mkdir(dirname(target), { recursive: true });
  const tmp = tempNameFor(target);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    if (durable) await fh.sync();
  } catch (err) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  if (durable) await fsyncDir(dirname(target));
}

/**
 * Remove temp files a killed process left behind in `dir` (names from tempNameFor). With `target`, only that
 * file's own temps: workers of one run that share a directory never lose each other's in-flight temp file.
 */
export async function removeStaleTemps(dir: string, target?: string): Promise<number> {
  const prefix = target === undefined ? '.' : `.${basename(target)}.`;
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of entries) {
    if (name.startsWith(prefix) && name.endsWith('.tmp')) {
      await rm(join(dir, name), { force: true });
      removed++;
    }
  }
  return removed;
}

/**
 * removeStaleTemps with synchronous syscalls (stage code that must not queue behind pending fsyncs).
 * `listings`: folder listings kept for the length of one run of one thread, so that a folder shared by many
 * targets (one index per symbol) is read once, not once per target. Only names that were in a listing are
 * removed, and removed from it: a temp made later (this thread's own, or another worker's) is never touched.
 */
export function removeStaleTempsSync(dir: string, target?: string, listings?: Map<string, string[]>): number {
  const prefix = target === undefined ? '.' : `.${basename(target)}.`;
  let entries = listings?.get(dir);
  if (entries === undefined) {
    try {
      entries = readdirSync(dir);
    } catch {
      entries = [];
    }
    listings?.set(dir, entries);
  }
  let removed = 0;
  for (let i = entries.length - 1; i >= 0; i--) {
    const name = entries[i];
    if (name.startsWith(prefix) && name.endsWith('.tmp')) {
      rmSync(join(dir, name), { force: true });
      removed++;
      if (listings) entries.splice(i, 1);
    }
  }
  return removed;
}

export async function fileExists(path: string): Promise<boolean> {
  try {
    const fh = await open(path, 'r');
    await fh.close();
    return true;
  } catch {
    return false;
  }
}

const knownDirs = new Set<string>();

/**
 * writeFileAtomic for hot loops in worker threads: synchronous calls (a libuv round trip per call cost
 * more than the write itself for ~100 KB day files) and one mkdir per folder per thread, not per file.
 */
export function writeFileAtomicSync(target: string, data: Uint8Array, opts: { durable?: boolean } = {}): void {
  const durable = opts.durable ?? true;
  const dir = dirname(target);
  if (!knownDirs.has(dir)) {
    if (durable) mkdirDurableSync(dir);
    else mkdirSync(dir, { recursive: true });
    knownDirs.add(dir);
  }
  const tmp = tempNameFor(target);
  try {
    let fd: number;
    try {
      fd = openSync(tmp, 'w');
    } catch (err) {
      // The folder went away since this thread made it (a rebuild, a test): make it again, once.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      if (durable) mkdirDurableSync(dir);
      else mkdirSync(dir, { recursive: true });
      fd = openSync(tmp, 'w');
    }
    try {
      let off = 0;
      while (off < data.length) off += writeSync(fd, data, off, data.length - off);
      if (durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  if (durable) fsyncDirSync(dir);
}
