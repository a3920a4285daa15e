// Reading and replacing `.idx` pointer files on disk (the bytes are defined in indexFormat.ts).
// The index is written only after the data it points at was written and fsynced, and always replaced whole:
// temp file + fsync + rename + directory fsync, so a reader sees the old index or the new one, never a mix.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Stage } from '../errors.js';
import { removeStaleTemps, removeStaleTempsSync, writeFileAtomic } from '../util/fsx.js';
import { INDEX_SIZE, decodeIndex, encodeIndex, type StoreIndex } from './indexFormat.js';

/** The index at `file`, or undefined when there is none. A damaged index throws CorruptFileError (BAD_INDEX). */
export async function readIndexFile(file: string, stage: Stage): Promise<StoreIndex | undefined> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return decodeIndex(buf, file, stage);
}

/**
 * readIndexFile with synchronous syscalls (stage code that must not queue behind pending fsyncs): open, one
 * read, close. A file longer than an index is read whole again, for its size in the message; one shorter is
 * refused as damaged (BAD_INDEX) either way.
 */
export function readIndexFileSync(file: string, stage: Stage): StoreIndex | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const buf = Buffer.allocUnsafe(INDEX_SIZE + 1);
  let got: number;
  try {
    // One byte more than an index: a read that comes back short has reached the end of the file.
    got = readSync(fd, buf, 0, buf.length, 0);
  } finally {
    closeSync(fd);
  }
  return decodeIndex(got <= INDEX_SIZE ? buf.subarray(0, got) : readFileSync(file), file, stage);
}

/** Atomically replace the index at `file`. Call only after the data it describes is fsynced. */
export async function writeIndexFile(file: string, ix: StoreIndex): Promise<void> {
  await writeFileAtomic(file, encodeIndex(ix));
}

/** Remove temp files that an interrupted writeFileAtomic(`target`) left beside it (only `target`'s own). */
export function removeStaleTempsOf(target: string): Promise<number> {
  return removeStaleTemps(dirname(target), target);
}

/** removeStaleTempsOf with synchronous syscalls (`listings`: see removeStaleTempsSync). */
export function removeStaleTempsOfSync(target: string, listings?: Map<string, string[]>): number {
  return removeStaleTempsSync(dirname(target), target, listings);
}
