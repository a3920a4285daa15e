// One transform task: a raw day (cache JSON or the live day's temp JSON) → its 1m `.bin` day file,
// written atomically. Runs in a worker thread or inline; knows nothing about scheduling. File I/O is
// synchronous on purpose: per day it is a few small calls, and each libuv round trip cost more than the call
// (bench/README.md: 2.25 ms a day async vs 0.68 ms sync).
import { closeSync, openSync, readSync } from 'node:fs';
import type { ShiftRule } from '../config/symbolSettings.js';
import { CorruptFileError } from '../errors.js';
import { matchesRecorded, type CacheBody } from '../store/cacheManifest.js';
import { writeFileAtomicSync } from '../util/fsx.js';
import { decodeDayBytes } from './fastDecode.js';
import { shiftForDay } from './timeShift.js';
import { stampTempDayFile } from './liveStamp.js';

export interface TransformTask {
  symbol: string;
  /** Epoch ms of the UTC day. */
  day: number;
  input: string;
  output: string;
  live: boolean;
  shift: ShiftRule;
  /** The symbol's 1m definition (pipeline/definitions.ts): decimals, how another multiplier is taken, fingerprint. */
  decimals: number | undefined;
  fit: 'round' | 'exact' | 'scale';
  definition: number;
  /** Why the existing day file was not trusted (it is converted again), when there was one. */
  damaged?: string;
  /** Cached day: the bodies its month's MANIFEST recorded for it (none recorded: not checked). */
  recorded?: CacheBody[];
  /** That MANIFEST (named in errors). */
  manifest?: string;
}

export interface TransformResult {
  candles: number;
  bytesIn: number;
  bytesOut: number;
  zeroVolumeDropped: number;
  overlapDropped: number;
}

/** Counters over converted days: the Transform stage's summary, and a fused pass's share of it (src/cold/). */
export interface TransformSums extends TransformResult {
  days: number;
}

/** Count one converted day into `sums`. */
export function addTransformResult(sums: TransformSums, r: TransformResult): void {
  sums.days++;
  sums.candles += r.candles;
  sums.bytesIn += r.bytesIn;
  sums.bytesOut += r.bytesOut;
  sums.zeroVolumeDropped += r.zeroVolumeDropped;
  sums.overlapDropped += r.overlapDropped;
}

/**
 * `written` (the fused cold path, src/cold/) receives the day file's bytes once written, to append them from
 * memory; they live in this thread's scratch buffer, valid until the next day is converted.
 */
export function transformDayFile(task: TransformTask, written?: (bin: Buffer) => void): TransformResult {
  let raw: Uint8Array;
  try {
    raw = readRaw(task.input);
  } catch (err) {
    throw new CorruptFileError('Transform', task.input, `cannot read: ${(err as Error).message}`, undefined, 'READ_FAILED');
  }
  // A cached body must be one the download stage recorded: closed history is never fetched again, so a
  // flipped bit would otherwise become a wrong candle for ever.
  if (matchesRecorded(raw, task.recorded) === false) {
    throw new CorruptFileError('Transform', task.input, `does not match its checksum in ${task.manifest} (changed on disk since it was downloaded): delete it and run again to download it again`, undefined, 'CACHE_CHECKSUM');
  }
  const decoded = decodeDayBytes(raw, {
    symbol: task.symbol,
    day: task.day,
    decimals: task.decimals,
    fit: task.fit,
    definition: task.definition,
    shift: shiftForDay(task.shift, task.day),
    file: task.input,
  }, 'scratch'); // written right below and forgotten: the thread's reused buffer
  writeFileAtomicSync(task.output, decoded.bin, { durable: false });
  if (task.live) stampTempDayFile(task.input, task.output);
  written?.(decoded.bin);
  return {
    candles: decoded.count,
    bytesIn: raw.length,
    bytesOut: decoded.bin.length,
    zeroVolumeDropped: decoded.zeroVolumeDropped,
    overlapDropped: decoded.overlapDropped,
  };
}

/** This thread's read buffer: a raw day is decoded before the next one is read, so one buffer serves all. */
let readBuffer = Buffer.allocUnsafeSlow(1 << 18);

/**
 * The whole file into readBuffer (grown as needed); the bytes stay valid until the next call. Cheaper than
 * readFileSync, which stats the file and allocates a buffer per call.
 */
function readRaw(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    let size = 0;
    for (;;) {
      if (size === readBuffer.length) {
        const grown = Buffer.allocUnsafeSlow(readBuffer.length * 2);
        readBuffer.copy(grown, 0, 0, size);
        readBuffer = grown;
      }
      const got = readSync(fd, readBuffer, size, readBuffer.length - size, null);
      if (got === 0) return readBuffer.subarray(0, size);
      size += got;
    }
  } finally {
    closeSync(fd);
  }
}

/** A batch of days handled as one task (cuts per-task dispatch between threads ~30×). */
export async function transformBatch(tasks: readonly TransformTask[]): Promise<TransformResult[]> {
  return tasks.map((task) => transformDayFile(task));
}
