// When and how an append run commits: data first (fsync), then the index (atomic replace), through a
// CommitBatch (store/commit.ts). A commit inside the run goes on in the background (the disk writes while
// later days are appended; the next commit waits for it, so indexes land in order); the last one waits, or
// joins the caller's batch (every symbol of an inline stage run committed together) and hands it the files.
import { dirname } from 'node:path';
import type { StoreWriter } from '../store/writer.js';
import { CommitBatch } from '../store/commit.js';
import type { StoreIndex } from '../store/indexFormat.js';
import { asAggregateError } from './aggregateError.js';
import type { CsvMirror } from './csvMirror.js';
import type { StorePaths } from './repair.js';

/** A last commit handed to the caller's batch with at least this much new data starts its fsync at once. */
const EARLY_SYNC_BYTES = 1024 * 1024;

export class CommitScheduler {
  /** The index on disk (the last commit that completed). */
  committed: StoreIndex | undefined;
  /** The index of the last commit started (it may still be in flight). */
  queued: StoreIndex | undefined;
  /** Commits started. */
  count = 0;
  /** The commit in flight, if any (it never rejects: its failure is kept in failure). */
  private inflight: Promise<void> | undefined;
  private failure: unknown;
  /** The store's folder is fsynced with the first commit of a created store. */
  private dirQueued = false;

  constructor(private readonly paths: StorePaths, private readonly symbol: string, private readonly outer: CommitBatch | undefined, onDisk: StoreIndex | undefined) {
    this.committed = onDisk;
    this.queued = onDisk;
  }

  /**
   * Commit `next` over the written files. `last`: the run's last commit — with a caller's batch the files are
   * handed to it (they are closed: returns true) and the commit happens when the caller flushes; without
   * one it is awaited. Otherwise the commit goes on in the background.
   */
  async commit(files: { store: StoreWriter; csv: CsvMirror | undefined }, next: StoreIndex, opts: { last: boolean; newBytes: number; createdStore: boolean; prepare?: (batch: CommitBatch) => void }): Promise<boolean> {
    await this.settle();
    const wrap = (err: unknown) => asAggregateError(err, this.paths.store, this.symbol);
    const csvWrap = (err: unknown) => asAggregateError(err, this.paths.csv, this.symbol);
    const outer = opts.last ? this.outer : undefined;
    const batch = outer ?? new CommitBatch();
    if (outer) {
      // The files are not needed any more: the batch fsyncs and closes them, at once when much was written
      // (the disk works while the caller goes on with its next symbol).
      const early = opts.newBytes >= EARLY_SYNC_BYTES;
      batch.syncAndClose(files.store.detach(), wrap, early);
      if (files.csv) batch.syncAndClose(files.csv.detach(), csvWrap, early);
    } else {
      // Started now (the bytes so far are written first), so the disk works while more days are appended.
      batch.waitFor(files.store.sync(), wrap);
      if (files.csv) batch.waitFor(files.csv.sync(), csvWrap);
    }
    if (opts.createdStore && !this.dirQueued) {
      batch.newEntryIn(dirname(this.paths.store), wrap);
      this.dirQueued = true;
    }
    // The caller's own prerequisites (the fused cold path: folders of the day files it wrote) join the batch.
    opts.prepare?.(batch);
    batch.index(this.paths.index, next, wrap);
    this.queued = next;
    this.count++;
    if (outer) return true;
    this.inflight = batch.flush().then(
      () => void (this.committed = next),
      (err) => void (this.failure = err),
    );
    if (opts.last) await this.settle();
    return false;
  }

  /** Wait for the commit in flight; rethrow its failure. */
  async settle(): Promise<void> {
    await this.inflight;
    this.inflight = undefined;
    if (this.failure !== undefined) throw this.failure;
  }

  /** Wait for the commit in flight, ignoring its failure (cleanup after an error). */
  async quiesce(): Promise<void> {
    await this.inflight;
    this.inflight = undefined;
  }
}
