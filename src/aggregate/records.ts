// The record pass over a day file in the day buffer (dayBuffer.ts): every record must be a 1m row the
// transform wrote and come strictly after the one before (across the whole store, never a silent duplicate);
// its src becomes its byte position in the day file. Records of a provisional day are also flagged
// provisional. The pass is the hot loop of a cold run; the error path spells out what was wrong.
import { CorruptFileError } from '../errors.js';
import { RecordChunk } from '../store/chunk.js';
import { FLAG_PROVISIONAL, HEADER_SIZE, RECORD_SIZE, R_COUNT, R_FLAGS, R_ORIGIN } from '../store/format.js';
import { STAGE } from './aggregateError.js';
import type { DayBuffer } from './dayBuffer.js';

const TWO_32 = 4294967296;

/**
 * Check the `n` records at byte 64 of the day buffer (file positions from 64) after a record with ts `prev`
 * and write their src. Returns the index of the first bad record, or -1. A plain function of typed arrays
 * and numbers, so V8 keeps it optimized (as a method reading module variables it fell back to unoptimized
 * code after a deopt, boxing a double per record: 24 ns a record and most of the thread's garbage).
 */
export function checkRecords(f64: Float64Array, u32: Uint32Array, i32: Int32Array, n: number, prev: number): number {
  // Field offsets as literals (see resample/fold.ts; store/format.ts checks them at load): 8 words of 8 bytes
  // and 16 of 4 a record, after the 64-byte header; ts = 32-bit words 0-1, src 12-13, origin+flags 14, count 15.
  const WORDS = 8, WORDS32 = 16, TWO32 = 4294967296, SIZE = 64;
  const F0 = 8, U0 = 16, START = 64;
  for (let i = 0; i < n; i++) {
    const w = U0 + i * WORDS32;
    const f = F0 + i * WORDS;
    const ts = i32[w + 1] * TWO32 + u32[w];
    const o = f64[f + 1], h = f64[f + 2], l = f64[f + 3], c = f64[f + 4], v = f64[f + 5];
    // finite high and low (x - x is NaN for ±Infinity and NaN), low ≤ open, close ≤ high, finite volume ≥ 0,
    // count 1 (word 15), origin and flags 0 (word 14), ts after the previous row.
    if (!(h - h === 0 && l - l === 0 && l <= o && l <= c && o <= h && c <= h && v - v === 0 && v >= 0 && u32[w + 15] === 1 && u32[w + 14] === 0 && ts > prev)) return i;
    prev = ts;
    // A store of u32 keeps pos mod 2^32 (ToUint32), without the floating-point remainder `pos % 2^32`
    // costs (a library call: 70% of this loop). Day files are far below 4 GiB: the high word is 0.
    const pos = START + i * SIZE;
    u32[w + 12] = pos;
    u32[w + 13] = pos < TWO32 ? 0 : Math.floor(pos / TWO32);
  }
  return -1;
}

/** Set the provisional flag on the `n` records at byte 64 of the day buffer (after checkRecords). */
export function markProvisional(u32: Uint32Array, n: number): void {
  // flags is the high u16 of 32-bit word 14 (origin the low one).
  for (let i = 0; i < n; i++) u32[16 + i * 16 + 14] |= FLAG_PROVISIONAL << 16;
}

/** ts of record i in the day buffer. */
export function tsAt(d: DayBuffer, i: number): number {
  const w = 16 + i * 16;
  return d.i32[w + 1] * TWO_32 + d.u32[w];
}

/**
 * The error for record i of the `n` in the day buffer (BAD_RECORD, else TS_ORDER), with the checks of
 * checkRecords spelled out. `prev` is the ts before it; `previous` says where that record came from.
 */
export function recordError(d: DayBuffer, n: number, i: number, prev: number | undefined, previous: string, file: string): CorruptFileError {
  const chunk = new RecordChunk(d.buf.subarray(HEADER_SIZE, HEADER_SIZE + n * RECORD_SIZE), HEADER_SIZE);
  const ts = chunk.ts(i);
  const bad = notA1mRow(chunk, i);
  if (bad) {
    return new CorruptFileError(STAGE, file, `record ts ${iso(ts)} cannot be a 1m candle (${bad}): the day file is damaged; delete it so its day is converted again, then run \`candlestore rebuild aggregate\``, chunk.posOf(i), 'BAD_RECORD');
  }
  const what = ts === prev ? 'duplicates' : 'goes back before';
  const where = i > 0 ? 'the record before it' : previous;
  return new CorruptFileError(STAGE, file, `record ts ${iso(ts)} ${what} ${where} (ts ${iso(prev!)}); timestamps must strictly increase`, chunk.posOf(i), 'TS_ORDER');
}

/**
 * Why record i of a 1m day file cannot be a candle the transform wrote, or undefined: the store must never
 * take in what `verify` would call damage (prices not finite or not low ≤ open, close ≤ high; volume not
 * finite or < 0), nor a row that is not one closed source minute (count 1, flags 0, origin 0).
 */
function notA1mRow(c: RecordChunk, i: number): string | undefined {
  const o = c.open(i), h = c.high(i), l = c.low(i), cl = c.close(i), v = c.volume(i);
  if (!(Number.isFinite(h) && Number.isFinite(l) && l <= o && l <= cl && o <= h && cl <= h)) return `not low ≤ open, close ≤ high: o ${o} h ${h} l ${l} c ${cl}`;
  if (!(Number.isFinite(v) && v >= 0)) return `volume ${v}`;
  const at = i * RECORD_SIZE;
  if (c.buf.readUInt32LE(at + R_COUNT) !== 1 || c.buf.readUInt16LE(at + R_FLAGS) !== 0 || c.buf.readInt16LE(at + R_ORIGIN) !== 0) return 'count, flags, origin are not 1, 0, 0';
  return undefined;
}

function iso(ts: number): string {
  return new Date(ts).toISOString();
}
