// One transform task: a raw day (cache JSON or the live day's temp JSON) → its 1m `.bin` day file,
// written atomically. Runs in a worker thread or inline; knows nothing about scheduling. File I/O is
// synchronous on purpose: per day it is a few small calls, and each libuv round trip cost more than the call
// (bench/README.md: 2.25 ms a day async vs 0.68 ms sync).
import { readFileSync } from 'node:fs';
import type { ShiftRule } from '../config/symbolSettings.js';
import { parseDayJson } from '../dukascopy/dayJson.js';
import { CorruptFileError } from '../errors.js';
import { matchesRecorded, type CacheBody } from '../store/cacheManifest.js';
import { writeFileAtomicSync } from '../util/fsx.js';
import { decodeDay } from './decode.js';
import { shiftForDay } from './timeShift.js';

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

/** `written` (the fused cold path, src/cold/) receives the day file's bytes once written, to append them from memory. */
export function transformDayFile(task: TransformTask, written?: (bin: Buffer) => void): TransformResult {
  let raw: Buffer;
  try {
    raw = readFileSync(task.input);
  } catch (err) {
    throw new CorruptFileError('Transform', task.input, `cannot read: ${(err as Error).message}`, undefined, 'READ_FAILED');
  }
  // A cached body must be one the download stage recorded: closed history is never fetched again, so a
  // flipped bit would otherwise become a wrong candle for ever.
  if (matchesRecorded(raw, task.recorded) === false) {
    throw new CorruptFileError('Transform', task.input, `does not match its checksum in ${task.manifest} (changed on disk since it was downloaded): delete it and run again to download it again`, undefined, 'CACHE_CHECKSUM');
  }
  // JSON.parse measured as fast as a hand-written byte scanner here (~160 MB/s both), so no custom parser.
  const doc = parseDayJson(raw.toString('latin1'), task.input, 'Transform');
  const decoded = decodeDay(doc, {
    symbol: task.symbol,
    day: task.day,
    decimals: task.decimals,
    fit: task.fit,
    definition: task.definition,
    shift: shiftForDay(task.shift, task.day),
    file: task.input,
  });
  writeFileAtomicSync(task.output, decoded.bin, { durable: false });
  written?.(decoded.bin);
  return {
    candles: decoded.count,
    bytesIn: raw.length,
    bytesOut: decoded.bin.length,
    zeroVolumeDropped: decoded.zeroVolumeDropped,
    overlapDropped: decoded.overlapDropped,
  };
}

/** A batch of days handled as one task (cuts per-task dispatch between threads ~30×). */
export async function transformBatch(tasks: readonly TransformTask[]): Promise<TransformResult[]> {
  return tasks.map((task) => transformDayFile(task));
}
