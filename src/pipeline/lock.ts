// The run lock, data/locks/run.lock: one line of JSON naming the owner — pid, the process's start time
// (field 22 of /proc/PID/stat, clock ticks since boot) and the boot id (/proc/sys/kernel/random/boot_id).
// A second run exits 3 while the owner lives. Liveness is the identity, not the pid alone: the lock is held
// only when that pid is running now, in this boot, and started at the recorded moment, so a pid reused by
// another process (after a reboot or not), a lock without an identity (`echo 1 > run.lock`, a file cut
// short by a crash) or any other process is not a holder: its lock is taken over, and said so.
// The lock is created whole (written to a temp file, then hard-linked to its name: link fails if the name
// exists), so no reader ever sees a half-written lock. Takeover renames the stale file aside first, so of two
// processes racing for the same stale lock only one can win.
// Without /proc (not Linux) the identity falls back to the pid alone (signal 0).
import { readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CandleError, LockHeldError } from '../errors.js';

export interface RunLock {
  file: string;
  /** The lock this run took over, if any: whose it was and why it was not live. */
  tookOver: { pid: number | undefined; why: string } | undefined;
  release(): Promise<void>;
}

/** Who holds a lock: enough to tell the very process that wrote it from any other. */
export interface LockOwner {
  pid: number;
  /** Start time of the process in clock ticks since boot (/proc/PID/stat field 22); '' without /proc. */
  start: string;
  /** /proc/sys/kernel/random/boot_id at the time; '' without /proc. */
  boot: string;
}

let bootIdCache: string | undefined;
function bootId(): string {
  if (bootIdCache === undefined) {
    try {
      bootIdCache = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootIdCache = '';
    }
  }
  return bootIdCache;
}

/** Start time of `pid` (ticks since boot), undefined when no such process; '' when /proc is unavailable. */
export function processStart(pid: number): string | undefined {
  if (bootId() === '') return signalAlive(pid) ? '' : undefined;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined; // ENOENT: no such process
  }
  // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[22 - 3];
}

function signalAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** This process as a lock owner. */
export function selfOwner(): LockOwner {
  return { pid: process.pid, start: processStart(process.pid) ?? '', boot: bootId() };
}

/** The owner a lock file's text names, or undefined when it names none (empty, `1`, garbage). */
export function parseOwner(text: string): LockOwner | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const { pid, start, boot } = v as Record<string, unknown>;
  if (!Number.isSafeInteger(pid) || (pid as number) <= 0 || typeof start !== 'string' || typeof boot !== 'string') return undefined;
  return { pid: pid as number, start, boot };
}

/** The pid a lock file's text starts with, for messages about a lock that names no owner. */
function leadingPid(text: string): number | undefined {
  const m = /"pid"\s*:\s*(\d+)|^\s*(\d+)/.exec(text);
  return m ? Number(m[1] ?? m[2]) : undefined;
}

/** Why the lock in `text` has no live holder, or undefined when its owner is running now. */
export function whyNotLive(text: string): string | undefined {
  const owner = parseOwner(text);
  if (!owner) return text.trim() === '' ? 'the lock file is empty' : 'the lock file names no candlestore run (no pid, start time and boot id)';
  if (owner.boot !== bootId()) return 'it was taken before the last reboot';
  const start = processStart(owner.pid);
  if (start === undefined) return 'that process is gone';
  if (start !== owner.start) return 'that pid now belongs to another process';
  return undefined;
}

/**
 * Temp files (`run.lock.PID.tmp`) and set-aside stale locks (`run.lock.stale.PID`) of runs killed while
 * taking the lock. Only those whose process is gone: another run may be taking the lock right now (it
 * will find ours and exit 3).
 */
async function removeDebris(lockDir: string, file: string): Promise<void> {
  const name = basename(file);
  const re = new RegExp(`^${name.replace(/\./g, '\\.')}\\.(?:(\\d+)\\.tmp|stale\\.(\\d+))$`);
  for (const entry of await readdir(lockDir).catch(() => [] as string[])) {
    const m = re.exec(entry);
    const pid = m ? Number(m[1] ?? m[2]) : 0;
    if (m && pid !== process.pid && processStart(pid) === undefined) await rm(join(lockDir, entry), { force: true });
  }
}

const lockError = (file: string, what: string, err: unknown) =>
  new CandleError('Lock', 'LOCK_FAILED', `cannot ${what} the run lock ${file}: ${(err as Error).message}`, { cause: err });

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw lockError(file, 'read', err);
  }
}

/**
 * Create `file` holding `text`, failing with EEXIST when it exists: a hard link of the written temp file, so
 * the name never shows a partial lock. A file system without hard links (FAT, some network mounts) gets an
 * exclusive create and a write instead; a reader may then meet an empty lock for a moment and take it for
 * stale — the rename-aside below still lets only one of two racing runs win.
 */
async function createWhole(tmp: string, file: string, text: string): Promise<void> {
  try {
    await link(tmp, file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    await writeFile(file, text, { flag: 'wx' });
  }
}

export async function acquireRunLock(file: string, lockDir: string): Promise<RunLock> {
  const me = selfOwner();
  const mine = `${JSON.stringify(me)}\n`;
  const isMine = (text: string | undefined) => text !== undefined && text === mine;
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await mkdir(lockDir, { recursive: true });
    await writeFile(tmp, mine);
  } catch (err) {
    throw lockError(file, 'create', err);
  }
  let tookOver: RunLock['tookOver'];
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await createWhole(tmp, file, mine);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw lockError(file, 'create', err);
      }
      const text = await readText(file);
      if (text === undefined) continue; // released meanwhile
      // A lock of this very process (an earlier command in it that never released) is not held by another run.
      const why = parseOwner(text)?.pid === process.pid ? 'it is this process' : whyNotLive(text);
      if (why === undefined) throw new LockHeldError(file, parseOwner(text)!.pid);
      const aside = `${file}.stale.${process.pid}`;
      try {
        await rename(file, aside);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // someone else moved it first
        throw lockError(file, 'take over', err);
      }
      const moved = (await readText(aside)) ?? '';
      if (moved !== text && whyNotLive(moved) === undefined) {
        // Between our read and our rename another run took the stale lock over: put its lock back.
        await link(aside, file).catch(() => {});
        await rm(aside, { force: true });
        throw new LockHeldError(file, parseOwner(moved)!.pid);
      }
      await rm(aside, { force: true });
      tookOver = { pid: leadingPid(moved), why: whyNotLive(moved) ?? why };
    }
  } finally {
    await rm(tmp, { force: true });
  }
  // Five rounds of stale locks replaced under our hands: someone else keeps winning.
  const text = await readText(file);
  if (!isMine(text)) throw new LockHeldError(file, leadingPid(text ?? '') ?? 0);
  await removeDebris(lockDir, file);
  let released = false;
  const releaseSync = () => {
    if (released) return;
    released = true;
    try {
      // Only remove the lock if it is still ours.
      if (readFileSync(file, 'utf8') === mine) unlinkSync(file);
    } catch {
      /* already gone */
    }
  };
  process.once('exit', releaseSync);
  return {
    file,
    tookOver,
    release: async () => {
      process.removeListener('exit', releaseSync);
      if (released) return;
      released = true;
      if (isMine(await readText(file).catch(() => undefined))) await rm(file, { force: true });
    },
  };
}
