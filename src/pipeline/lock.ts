// The run lock, data/locks/run.lock: created with O_EXCL and holding the owner's pid. A second run exits 3;
// a lock whose process is gone is taken over (and said so). Takeover renames the stale file first, so of
// two processes racing for the same stale lock only one can win.
import { readFileSync, unlinkSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, link } from 'node:fs/promises';
import { LockHeldError } from '../errors.js';

export interface RunLock {
  file: string;
  /** pid of the dead process whose lock was taken over, if any. */
  tookOverFrom: number | undefined;
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readPid(file: string): Promise<number> {
  try {
    return Number.parseInt((await readFile(file, 'utf8')).trim(), 10);
  } catch {
    return Number.NaN;
  }
}

export async function acquireRunLock(file: string, lockDir: string): Promise<RunLock> {
  await mkdir(lockDir, { recursive: true });
  let tookOverFrom: number | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fh = await open(file, 'wx');
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      let released = false;
      const releaseSync = () => {
        if (!released) {
          released = true;
          try {
            // Only remove the lock if it is still ours.
            if (readPidSync(file) === process.pid) unlinkSync(file);
          } catch {
            /* already gone */
          }
        }
      };
      process.once('exit', releaseSync);
      return {
        file,
        tookOverFrom,
        release: async () => {
          process.removeListener('exit', releaseSync);
          if (released) return;
          released = true;
          if ((await readPid(file)) === process.pid) await rm(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = await readPid(file);
    if (isAlive(pid) && pid !== process.pid) throw new LockHeldError(file, pid);
    if (Number.isNaN(pid)) {
      // A lock file being written right now has no pid yet; give its owner a moment.
      await new Promise((r) => setTimeout(r, 50));
      const again = await readPid(file);
      if (isAlive(again)) throw new LockHeldError(file, again);
    }
    const aside = `${file}.stale.${process.pid}`;
    try {
      await rename(file, aside);
    } catch {
      continue; // someone else moved it first; try again
    }
    const movedPid = await readPid(aside);
    if (isAlive(movedPid) && movedPid !== process.pid) {
      // We moved a lock that became live between our read and our rename: put it back.
      await link(aside, file).catch(() => {});
      await rm(aside, { force: true });
      throw new LockHeldError(file, movedPid);
    }
    await rm(aside, { force: true });
    tookOverFrom = Number.isNaN(movedPid) ? 0 : movedPid;
  }
  throw new LockHeldError(file, await readPid(file));
}

function readPidSync(file: string): number {
  return Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
}
