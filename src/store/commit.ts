// Group commit of many stores: every store keeps its own invariant — its index is replaced only after the
// data it points at is durable — but the slow part, fsync, is issued for all stores at once instead of one
// after another (one fsync costs 3–5 ms on a virtio disk; hundreds in flight cost little more than a few,
// since the file system groups them into few journal commits).
//   1. as each store is finished, the caller hands its written file to syncAndClose and its new index to
//      index(), which writes the index's temp file beside it;
//   2. flush() fsyncs all of those files concurrently (on the thread pool), then each folder that gained a
//      file (once). A file with a lot of new data is fsynced at once instead (early), so the disk writes it
//      while the caller computes the next store; small ones wait for flush(): fsyncs running beside the
//      caller's own syscalls slow those down (each first read of a file since it was written updates its
//      atime, and that and every write wait on the journal commits the fsyncs force);
//   3. renames each temp file over its index, level by level (level 0 first: a source before the files built
//      from it, so a crash never leaves a dependent's index newer than its source's; renames within a level
//      run concurrently — one after another each waits on a journal commit, ~1 ms), and fsyncs the index
//      folders of a level before the next level is renamed: a rename is durable only once its folder is
//      fsynced, so without that a power loss could keep a dependent's new index and undo its source's.
// A crash or power loss at any point leaves each index old or new, each pointing at durable data. After a failure nothing
// more is renamed and this batch's temp files are removed (a later run's repair removes any a kill left).
import { closeSync, mkdirSync, openSync, rename, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { fsyncDir, fsyncFd, tempNameFor, writeAllSync } from '../util/fsx.js';
import { encodeIndex, type StoreIndex } from './indexFormat.js';

/** Turns a raw failure (an errno error) into the error the stage reports, naming the store. */
export type ErrorWrap = (err: unknown) => Error;

const renameAsync = promisify(rename);

interface PendingIndex {
  file: string;
  /** Temp file holding the new index ('' once renamed or removed). */
  tmp: string;
  wrap: ErrorWrap;
  level: number;
}

interface Round {
  /** Files to fsync and close at flush(). */
  toSync: { fd: number; wrap: ErrorWrap }[];
  /** fsyncs started (data files and index temp files); each settles, recording its error. */
  durable: Promise<void>[];
  errors: unknown[];
  /** Folders that gained a file (fsynced before any rename). */
  newEntries: Map<string, ErrorWrap>;
  /**
   * Index folders (each fsynced after its level's renames, before the next level's), with the folders above
   * any of them this batch created; `level` is the lowest level of an index in (or below) it.
   */
  folders: Map<string, { wrap: ErrorWrap; level: number }>;
  indexes: PendingIndex[];
}

const newRound = (): Round => ({ toSync: [], durable: [], errors: [], newEntries: new Map(), folders: new Map(), indexes: [] });

export class CommitBatch {
  private round = newRound();

  /** Indexes waiting for flush(). */
  get pending(): number {
    return this.round.indexes.length;
  }

  /** fsync `fd` at flush() (`early`: now) on the thread pool, and close it once done. */
  syncAndClose(fd: number, wrap: ErrorWrap, early = false): void {
    if (early) track(this.round, syncThenClose(fd), wrap);
    else this.round.toSync.push({ fd, wrap });
  }

  /** Wait for `durable` (data made durable by the caller) before any index is renamed. */
  waitFor(durable: Promise<unknown>, wrap: ErrorWrap): void {
    track(this.round, durable, wrap);
  }

  /** `dir` gained a file: fsync it (once per batch) before any index is renamed. */
  newEntryIn(dir: string, wrap: ErrorWrap): void {
    if (!this.round.newEntries.has(dir)) this.round.newEntries.set(dir, wrap);
  }

  /**
   * Replace the index at `file` with `ix` at flush(), once everything added so far is durable. The temp file
   * is written now, fsynced at flush(). `level`: renamed after every index of a lower level (a store
   * built from another store gets a higher level than its source).
   */
  index(file: string, ix: StoreIndex, wrap: ErrorWrap, level = 0): void {
    const round = this.round;
    const dir = dirname(file);
    const known = round.folders.get(dir);
    if (!known) {
      let created: string | undefined;
      try {
        created = mkdirSync(dir, { recursive: true });
      } catch (err) {
        throw wrap(err);
      }
      round.folders.set(dir, { wrap, level });
      // Folders made here: the folder above each is fsynced too, so the new entry survives a power loss.
      for (let d = dir; created !== undefined && d.length >= created.length && d !== dirname(d); d = dirname(d)) {
        const above = round.folders.get(dirname(d));
        if (!above) round.folders.set(dirname(d), { wrap, level });
        else above.level = Math.min(above.level, level);
      }
    } else {
      known.level = Math.min(known.level, level);
    }
    const pending: PendingIndex = { file, tmp: tempNameFor(file), wrap, level };
    let fd: number;
    try {
      fd = openSync(pending.tmp, 'w');
    } catch (err) {
      throw wrap(err);
    }
    round.indexes.push(pending);
    try {
      writeAllSync(fd, encodeIndex(ix));
    } catch (err) {
      closeSync(fd);
      throw wrap(err);
    }
    this.syncAndClose(fd, wrap);
  }

  /** Commit everything added so far; rejects with the first failure (nothing renamed after it). */
  async flush(): Promise<void> {
    const round = this.take();
    const { errors } = round;
    const throwFirst = () => {
      if (errors.length > 0) throw errors[0];
    };
    try {
      for (const { fd, wrap } of round.toSync.splice(0)) track(round, syncThenClose(fd), wrap);
      await Promise.all(round.durable);
      await Promise.all([...round.newEntries].map(([dir, wrap]) => fsyncDir(dir).catch((err) => void errors.push(wrap(err)))));
      throwFirst();
      if (round.indexes.length === 0) return;
      const levels = [...new Set(round.indexes.map((ix) => ix.level))].sort((a, b) => a - b);
      for (const level of levels) {
        await Promise.all(
          round.indexes.filter((ix) => ix.level === level).map((ix) =>
            renameAsync(ix.tmp, ix.file).then(
              () => void (ix.tmp = ''),
              (err) => void errors.push(ix.wrap(err)),
            ),
          ),
        );
        throwFirst();
        // This level's renames reach the disk before any index built from it is renamed (power loss order).
        await syncFolders(round, level);
        throwFirst();
      }
    } finally {
      removeTemps(round);
    }
  }

  /** After a failure elsewhere: let started fsyncs finish (closing their files), remove temps, commit nothing. */
  async abandon(): Promise<void> {
    const round = this.take();
    for (const { fd } of round.toSync.splice(0)) closeSync(fd);
    await Promise.all(round.durable);
    removeTemps(round);
  }

  /** Everything added so far, as one round; later additions go to the next round. */
  private take(): Round {
    const round = this.round;
    this.round = newRound();
    return round;
  }
}

/** fsync (once each, concurrently) the round's index folders of `level` and below not yet fsynced. */
async function syncFolders(round: Round, level: number): Promise<void> {
  const due = [...round.folders].filter(([, f]) => f.level <= level);
  for (const [dir] of due) round.folders.delete(dir);
  await Promise.all(due.map(([dir, { wrap }]) => fsyncDir(dir).catch((err) => void round.errors.push(wrap(err)))));
}

/** fsync then close `fd` (closed on failure too). */
async function syncThenClose(fd: number): Promise<void> {
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

/** Add `durable` to the round: it settles recording its error, so flush() can wait for all of them. */
function track(round: Round, durable: Promise<unknown>, wrap: ErrorWrap): void {
  round.durable.push(durable.then(() => undefined, (err) => void round.errors.push(wrap(err))));
}

function removeTemps(round: Round): void {
  for (const ix of round.indexes) {
    if (ix.tmp) rmSync(ix.tmp, { force: true });
    ix.tmp = '';
  }
}

/**
 * Run `each` over `tasks` one after another with one CommitBatch, flushed whenever `flushAt` commits are
 * pending and at the end (a group of symbols shares its directory and index fsyncs); any error abandons what
 * is pending and propagates. `beforeEach` runs first for every task (a cancellation check).
 */
export async function inCommitBatches<T, R>(
  tasks: readonly T[],
  flushAt: number,
  each: (task: T, batch: CommitBatch) => Promise<R>,
  hooks: { beforeEach?: () => Promise<void> | void; onDone?: (result: R) => void } = {},
): Promise<R[]> {
  const batch = new CommitBatch();
  const out: R[] = [];
  try {
    for (const task of tasks) {
      await hooks.beforeEach?.();
      const result = await each(task, batch);
      out.push(result);
      hooks.onDone?.(result);
      if (batch.pending >= flushAt) await batch.flush();
    }
    await batch.flush();
  } catch (err) {
    await batch.abandon();
    throw err;
  }
  return out;
}
