// The hot loop: fold source records (typed-array views of a big chunk) into bars, and encode bars straight
// into an output buffer through typed-array views (format.ts offsets), no per-record objects. A bar closes
// when a later row falls in another bucket; whatever bar is forming at the end is the last bar. Bars whose
// period ends after the horizon (period.ts) are provisional: the first of them starts the file's tail, and it
// and every bar after it carry FLAG_PROVISIONAL (a bar whose period has not ended at now also FLAG_OPEN).
// Trade-off: the fold keeps its state in locals for the length of a chunk and writes it back after, which
// makes the code longer but keeps V8 on registers instead of object fields per row.
import { crc32 } from 'node:zlib';
import { CorruptFileError } from '../errors.js';
import { RecordChunk } from '../store/chunk.js';
import { FLAG_OPEN, FLAG_PROVISIONAL, RECORD_SIZE, RECORD_WORDS, RECORD_WORDS32, W32_SRC_HI, W32_SRC_LO, W32_TS_HI, W32_TS_LO, W_CLOSE, W_HIGH, W_LOW, W_OPEN, W_VOLUME } from '../store/format.js';
import type { Bucketer } from './bucket.js';
import type { Horizon } from './period.js';
import { giveBuffer, takeBuffer } from './scan.js';

const TWO_32 = 4294967296;
/** 16-bit words per record, and the index of origin (byte 56) and flags (byte 58) in an Int16/Uint16 view. */
const RECORD_WORDS16 = RECORD_SIZE / 2;
const W16_ORIGIN = 28;
const W16_FLAGS = 29;
const W32_ORIGIN_FLAGS = 14;
const W32_COUNT = 15;
/** Bars a sink holds before it flushes (256 KiB: 4096 bars). */
export const SINK_BYTES = 256 * 1024;

/**
 * Encodes bars into a buffer; hands full buffers to `flush`, keeping CRCs as it goes: data_crc over the final
 * bars, tail_crc over the provisional ones (from `tailAt` on; once the tail started every later bar is in it).
 */
export class BarSink {
  private readonly buf: Buffer;
  // Views and fill are read and written by Folder.fold too: it encodes closed bars straight into them
  // (a call per bar passing nine numbers boxed each double: ~500 MB of garbage in a cold run).
  readonly f64: Float64Array;
  readonly u32: Uint32Array;
  private readonly i32: Int32Array;
  private readonly i16: Int16Array;
  private readonly u16: Uint16Array;
  /** Bars the buffer holds. */
  readonly capacity: number;
  /** Bars in the buffer (the next one goes at index fill). */
  fill = 0;
  /** Closed bars pushed so far. */
  closed = 0;
  /** Final bars among them. */
  finalBars = 0;
  /** Index in the buffer of the first provisional bar; -1 while the tail has not started. */
  tailAt = -1;
  /** Running CRC-32 of every final bar's bytes (extends the committed data_crc). */
  dataCrc: number;
  /** Running CRC-32 of the provisional bars' bytes (tail_crc). */
  tailCrc = 0;

  /**
   * `flush(bytes, finals)` gets each full buffer (valid only during the call): its first `finals` bars are
   * final, the rest provisional. The default capacity is small enough to stay in the CPU's L2 cache between
   * the fold that fills it, the CRC, the write and the dependent timeframe's fold that reads it.
   */
  constructor(private readonly flush: (bytes: Buffer, finals: number) => void, start: { dataCrc: number }, capacityBytes = SINK_BYTES) {
    this.capacity = Math.max(1, Math.floor(capacityBytes / RECORD_SIZE));
    this.buf = takeBuffer(this.capacity * RECORD_SIZE);
    const ab = this.buf.buffer;
    const at = this.buf.byteOffset;
    this.f64 = new Float64Array(ab, at, this.capacity * RECORD_WORDS);
    this.u32 = new Uint32Array(ab, at, this.capacity * RECORD_WORDS32);
    this.i32 = new Int32Array(ab, at, this.capacity * RECORD_WORDS32);
    this.i16 = new Int16Array(ab, at, this.capacity * RECORD_WORDS16);
    this.u16 = new Uint16Array(ab, at, this.capacity * RECORD_WORDS16);
    this.dataCrc = start.dataCrc;
  }

  /** Hand every buffered bar to `flush`. */
  drain(): void {
    if (this.fill === 0) return;
    const bytes = this.buf.subarray(0, this.fill * RECORD_SIZE);
    const finals = this.tailAt < 0 ? this.fill : this.tailAt;
    if (finals > 0) this.dataCrc = crc32(bytes.subarray(0, finals * RECORD_SIZE), this.dataCrc);
    if (finals < this.fill) this.tailCrc = crc32(bytes.subarray(finals * RECORD_SIZE), this.tailCrc);
    this.finalBars += finals;
    this.flush(bytes, finals);
    this.fill = 0;
    if (this.tailAt >= 0) this.tailAt = 0;
  }

  /** Append a bar with `flags` (the near-horizon path; the hot loop encodes final bars in place). */
  pushBar(ts: number, o: number, h: number, l: number, c: number, v: number, src: number, origin: number, flags: number, count: number): void {
    if (this.fill === this.capacity) this.drain();
    if ((flags & FLAG_PROVISIONAL) !== 0 && this.tailAt < 0) this.tailAt = this.fill;
    this.encode(this.fill++, ts, o, h, l, c, v, src, origin, flags, count);
    if ((flags & FLAG_PROVISIONAL) === 0) this.closed++;
  }

  /** Return the buffer to the pool; the sink is unusable afterwards. */
  release(): void {
    giveBuffer(this.buf);
  }

  private encode(i: number, ts: number, o: number, h: number, l: number, c: number, v: number, src: number, origin: number, flags: number, count: number): void {
    // Local copies of the format.ts offsets: folded by V8 (see Folder.fold).
    const TWO32 = TWO_32, TS_LO = W32_TS_LO, TS_HI = W32_TS_HI, SRC_LO = W32_SRC_LO, SRC_HI = W32_SRC_HI, COUNT = W32_COUNT;
    const OPEN = W_OPEN, HIGH = W_HIGH, LOW = W_LOW, CLOSE = W_CLOSE, VOLUME = W_VOLUME, ORIGIN = W16_ORIGIN, FLAGS = W16_FLAGS;
    const u32 = this.u32, f64 = this.f64;
    const w = i * RECORD_WORDS32;
    const hi = Math.floor(ts / TWO32);
    u32[w + TS_LO] = ts - hi * TWO32;
    this.i32[w + TS_HI] = hi;
    const f = i * RECORD_WORDS;
    f64[f + OPEN] = o;
    f64[f + HIGH] = h;
    f64[f + LOW] = l;
    f64[f + CLOSE] = c;
    f64[f + VOLUME] = v;
    const srcHi = Math.floor(src / TWO32);
    u32[w + SRC_LO] = src - srcHi * TWO32;
    u32[w + SRC_HI] = srcHi;
    const s = i * RECORD_WORDS16;
    this.i16[s + ORIGIN] = origin;
    this.u16[s + FLAGS] = flags;
    u32[w + COUNT] = count;
  }
}

/**
 * When a fold learns its source's finality. A source read from its file knows where its final rows end
 * before the first row (`sourceFinalEnd`); a source that is itself being folded in the same pass (the level
 * below in the cascade, or 1m rows handed over in memory) knows it only once it has finished, and hands
 * each chunk over with the count of its final rows instead.
 */
export interface FoldTiming {
  /** The run's clock on the store axis. */
  now: number;
  /** Longest period of the timeframe (period.ts maxPeriodMs). */
  maxPeriodMs: number;
  /** The source's finalEnd when known up front (period.ts horizonOf); otherwise call resolve() before finish(). */
  sourceFinalEnd?: number;
}

/** Rows the first fast fold of a thread takes on their own (see Folder.foldRows). */
const WARM_UP_ROWS = 64;
let warmedUp = false;

/** Initial size of the buffer of held rows (grows by doubling; a few periods of source rows in practice). */
const HELD_BYTES = 64 * 1024;

/**
 * Folds rows into bars across chunks; the forming bar survives between chunks.
 * Until the source's finalEnd is known, a bar cannot always be told final or provisional when it closes.
 * Every source row before the last final row seen so far is final, so the source's finalEnd is above that
 * row's ts (`lowerFinal`): rows more than the longest period before min(now, lowerFinal) can only close
 * final bars and are folded at once; the rows after them are held (copied) until a later chunk moves
 * lowerFinal on, or until resolve() gives the exact finalEnd. Held rows are the last period or so of the
 * source plus its provisional tail, so the result is exactly that of a fold that knew finalEnd up front.
 */
export class Folder {
  has = false;
  key = 0;
  o = 0;
  h = 0;
  l = 0;
  c = 0;
  v = 0;
  count = 0;
  src = 0;
  origin = 0;
  /** Source rows folded (in or out of session). */
  rows = 0;
  /** The provisional tail has started (this bar and every later one are provisional). */
  tail = false;
  /** src of the first provisional bar (when tail). */
  tailSrc = 0;
  /** Key of the last final bar written (NaN: none this run). */
  lastFinalKey = Number.NaN;
  /** Rows from checkFrom on have been reached: every later row takes foldNear. */
  private near = false;
  private end = -Infinity;
  private inside = false;
  private prevTs = -Infinity;
  /** Exact once the source's finalEnd is known. */
  private horizon: Horizon | undefined;
  /** Rows before this ts close only final bars (exact: horizon.checkFrom; before: from lowerFinal). */
  private checkFrom = -Infinity;
  private lowerFinal = -Infinity;
  private held: Buffer | undefined;
  private heldRows = 0;
  private heldStart = 0;

  constructor(
    private readonly bucketer: Bucketer,
    private readonly sink: BarSink,
    private readonly sourceFile: string,
    private readonly timing: FoldTiming,
    private readonly periodEnd: (key: number) => number,
  ) {
    if (timing.sourceFinalEnd !== undefined) this.setHorizon(timing.sourceFinalEnd);
  }

  /**
   * Fold `chunk`, the source rows that follow the previous chunk's; its first `finals` rows are final in
   * the source (all of them by default; only read before the source's finalEnd is known).
   */
  fold(chunk: RecordChunk, finals = chunk.count): void {
    const n = chunk.count;
    if (n === 0) return;
    this.rows += n;
    if (this.horizon) {
      this.foldExact(chunk);
      return;
    }
    if (finals > 0) {
      const last = chunk.ts(finals - 1);
      if (last > this.lowerFinal) {
        this.lowerFinal = last;
        this.checkFrom = Math.min(this.timing.now, last) - this.timing.maxPeriodMs;
      }
    }
    if (this.heldRows > 0) {
      this.foldHeld();
      if (this.heldRows > 0) {
        this.hold(chunk, 0);
        return;
      }
    }
    const split = firstAtOrAfter(chunk, this.checkFrom);
    if (split > 0) this.foldRows(chunk, split);
    if (split < n) this.hold(chunk, split);
  }

  /** The source's finalEnd is now known (it has finished): fold the held rows as a fold that knew it would. */
  resolve(sourceFinalEnd: number): void {
    if (this.horizon) return;
    this.setHorizon(sourceFinalEnd);
    if (this.heldRows > 0) {
      const rows = this.heldChunk();
      this.heldRows = 0;
      this.foldExact(rows);
    }
    this.held = undefined;
  }

  private setHorizon(sourceFinalEnd: number): void {
    const final = Math.min(this.timing.now, sourceFinalEnd);
    this.horizon = { final, now: this.timing.now, checkFrom: final - this.timing.maxPeriodMs };
    this.checkFrom = this.horizon.checkFrom;
  }

  private foldExact(chunk: RecordChunk): void {
    const n = chunk.count;
    // Rows before checkFrom can only close bars whose key is before it: final for sure. They take the fast
    // loop; the few rows from checkFrom on (the last period or so, and provisional rows) take foldNear.
    const split = this.near ? 0 : firstAtOrAfter(chunk, this.checkFrom);
    if (split > 0) this.foldRows(chunk, split);
    if (split < n) {
      this.near = true;
      this.foldNear(chunk, split);
    }
  }

  private heldChunk(): RecordChunk {
    return new RecordChunk(this.held!.subarray(0, this.heldRows * RECORD_SIZE), this.heldStart);
  }

  /** Fold the held rows that are now before checkFrom; keep the rest. */
  private foldHeld(): void {
    const rows = this.heldChunk();
    const split = firstAtOrAfter(rows, this.checkFrom);
    if (split === 0) return;
    this.foldRows(rows, split);
    this.held!.copyWithin(0, split * RECORD_SIZE, this.heldRows * RECORD_SIZE);
    this.heldRows -= split;
    this.heldStart += split * RECORD_SIZE;
  }

  /** Copy rows [from, n) of `chunk` after the held ones. */
  private hold(chunk: RecordChunk, from: number): void {
    const pos = chunk.posOf(from);
    if (this.heldRows === 0) this.heldStart = pos;
    else if (pos !== this.heldStart + this.heldRows * RECORD_SIZE) throw new Error(`fold of ${this.sourceFile}: rows at ${pos} do not follow the held rows`);
    const bytes = (chunk.count - from) * RECORD_SIZE;
    const used = this.heldRows * RECORD_SIZE;
    if (!this.held || this.held.length < used + bytes) {
      const grown = Buffer.allocUnsafeSlow(Math.max(HELD_BYTES, 2 * (used + bytes)));
      if (this.held) this.held.copy(grown, 0, 0, used);
      this.held = grown;
    }
    chunk.buf.copy(this.held, used, from * RECORD_SIZE);
    this.heldRows += chunk.count - from;
  }

  private foldRows(chunk: RecordChunk, to: number): void {
    // A row closes at most one bar, so runs of rows no longer than the sink's free room never fill it inside
    // the loop: the drain stays out of foldFast. (Code in a loop that first runs after V8 optimized it — the
    // first drain came after 20k to 300k rows — deoptimizes it: back to the interpreter, a second compile.)
    // The first run of a thread is a few rows, so the code after the loop has run before it is optimized too.
    const sink = this.sink;
    for (let from = 0; from < to; ) {
      const room = sink.capacity - sink.fill;
      if (room === 0) {
        sink.drain();
        continue;
      }
      const end = Math.min(to, from + (warmedUp ? room : Math.min(room, WARM_UP_ROWS)));
      this.foldFast(chunk, from, end);
      warmedUp = true;
      from = end;
    }
  }

  /** The hot loop over rows [from, to) of `chunk`: every bar it closes is final, and the sink has room for them. */
  private foldFast(chunk: RecordChunk, from: number, to: number): void {
    const n = to;
    const ab = chunk.buf.buffer;
    const at = chunk.buf.byteOffset;
    const u32 = new Uint32Array(ab, at, n * RECORD_WORDS32);
    const i32 = new Int32Array(ab, at, n * RECORD_WORDS32);
    const f64 = chunk.f64;
    const b = this.bucketer;
    const sink = this.sink;
    const out64 = sink.f64, out32 = sink.u32;
    let fill = sink.fill, closed = 0;
    const startPos = chunk.startPos;
    let has = this.has, key = this.key, o = this.o, h = this.h, l = this.l, c = this.c, v = this.v;
    let count = this.count, src = this.src, origin = this.origin, end = this.end, inside = this.inside, prevTs = this.prevTs;
    let lastFinalKey = this.lastFinalKey;
    // Field offsets (format.ts) as literals: V8 folds literal constants into the loop's index arithmetic, but
    // not values read from imported bindings, even when copied into locals first (5m from 1m: 26 → 16 ns a
    // row). store/format.ts checks at load that these are its values.
    const WORDS32 = 16, TS_LO = 0, TS_HI = 1, ORIGIN_FLAGS = 14, TWO32 = 4294967296;
    const WORDS = 8, OPEN = 1, HIGH = 2, LOW = 3, CLOSE = 4, VOLUME = 5, SIZE = 64;
    const SRC_LO = 12, SRC_HI = 13, COUNT = 15;
    for (let i = from; i < n; i++) {
      const w = i * WORDS32;
      const ts = i32[w + TS_HI] * TWO32 + u32[w + TS_LO];
      if (ts <= prevTs) this.orderError(chunk, i, ts, prevTs);
      prevTs = ts;
      const f = i * WORDS;
      if (ts < end) {
        if (inside) {
          const hh = f64[f + HIGH];
          if (hh > h) h = hh;
          const ll = f64[f + LOW];
          if (ll < l) l = ll;
          c = f64[f + CLOSE];
          v += f64[f + VOLUME];
          count++;
        }
        continue;
      }
      // origin is the low (little-endian first) i16 of word 14: shift up and back down to sign-extend it.
      b.ts = ts;
      b.locate((u32[w + ORIGIN_FLAGS] << 16) >> 16);
      end = b.end;
      inside = b.inside;
      if (!inside) continue;
      if (has && b.key === key) {
        const hh = f64[f + HIGH];
        if (hh > h) h = hh;
        const ll = f64[f + LOW];
        if (ll < l) l = ll;
        c = f64[f + CLOSE];
        v += f64[f + VOLUME];
        count++;
        continue;
      }
      if (has) {
        if (b.key < key) this.bucketError(chunk, i, b.key, key);
        lastFinalKey = key;
        // The closed bar, encoded in place (BarSink.encode with flags 0); foldRows made room for it.
        const bw = fill * WORDS32, bf = fill * WORDS;
        const keyHi = Math.floor(key / TWO32);
        out32[bw + TS_LO] = key - keyHi * TWO32;
        out32[bw + TS_HI] = keyHi;
        out64[bf + OPEN] = o;
        out64[bf + HIGH] = h;
        out64[bf + LOW] = l;
        out64[bf + CLOSE] = c;
        out64[bf + VOLUME] = v;
        const srcHi = Math.floor(src / TWO32);
        out32[bw + SRC_LO] = src - srcHi * TWO32;
        out32[bw + SRC_HI] = srcHi;
        out32[bw + ORIGIN_FLAGS] = origin & 0xffff;
        out32[bw + COUNT] = count;
        fill++;
        closed++;
      }
      has = true;
      key = b.key;
      o = f64[f + OPEN];
      h = f64[f + HIGH];
      l = f64[f + LOW];
      c = f64[f + CLOSE];
      v = f64[f + VOLUME];
      count = 1;
      src = startPos + i * SIZE;
      origin = b.origin;
    }
    sink.fill = fill;
    sink.closed += closed;
    this.has = has; this.key = key; this.o = o; this.h = h; this.l = l; this.c = c; this.v = v;
    this.count = count; this.src = src; this.origin = origin; this.end = end; this.inside = inside; this.prevTs = prevTs;
    this.lastFinalKey = lastFinalKey;
  }

  /**
   * Rows [from, n) of `chunk`, near the horizon: the same fold as foldFast, one row at a time, deciding for
   * each bar it closes whether it is final (a few bars a run; kept out of the hot loop, where code that ran
   * only at the end would cost a deoptimization per timeframe).
   */
  private foldNear(chunk: RecordChunk, from: number): void {
    const b = this.bucketer;
    for (let i = from; i < chunk.count; i++) {
      const ts = chunk.ts(i);
      if (ts <= this.prevTs) this.orderError(chunk, i, ts, this.prevTs);
      this.prevTs = ts;
      const hh = chunk.high(i), ll = chunk.low(i);
      if (ts >= this.end) {
        b.ts = ts;
        b.locate(chunk.buf.readInt16LE(i * RECORD_SIZE + 56));
        this.end = b.end;
        this.inside = b.inside;
        if (this.inside && !(this.has && b.key === this.key)) {
          if (this.has) {
            if (b.key < this.key) this.bucketError(chunk, i, b.key, this.key);
            this.closeNear();
          }
          this.has = true;
          this.key = b.key;
          this.o = chunk.open(i);
          this.h = hh;
          this.l = ll;
          this.c = chunk.close(i);
          this.v = chunk.volume(i);
          this.count = 1;
          this.src = chunk.posOf(i);
          this.origin = b.origin;
          continue;
        }
      }
      if (!this.inside) continue;
      if (hh > this.h) this.h = hh;
      if (ll < this.l) this.l = ll;
      this.c = chunk.close(i);
      this.v += chunk.volume(i);
      this.count++;
    }
  }

  /** Hand the forming bar to the sink as closed, final or provisional by its period end. */
  private closeNear(): void {
    const horizon = this.horizon!;
    const end = this.periodEnd(this.key);
    if (!this.tail && end > horizon.final) {
      this.tail = true;
      this.tailSrc = this.src;
    }
    const flags = this.tail ? FLAG_PROVISIONAL | (end > horizon.now ? FLAG_OPEN : 0) : 0;
    if (!this.tail) this.lastFinalKey = this.key;
    this.sink.pushBar(this.key, this.o, this.h, this.l, this.c, this.v, this.src, this.origin, flags, this.count);
  }

  /**
   * Write the forming bar (if any) as the last bar: final when its period ended within the horizon,
   * otherwise provisional (and open while its period has not ended at now). Drains the sink.
   */
  finish(): void {
    const horizon = this.horizon;
    if (!horizon) throw new Error(`fold of ${this.sourceFile} finished before its source's final end was known`);
    if (this.has) {
      const end = this.periodEnd(this.key);
      let flags = 0;
      if (this.tail || end > horizon.final) {
        if (!this.tail) this.tailSrc = this.src;
        this.tail = true;
        flags = FLAG_PROVISIONAL | (end > horizon.now ? FLAG_OPEN : 0);
      } else {
        this.lastFinalKey = this.key;
      }
      this.sink.pushBar(this.key, this.o, this.h, this.l, this.c, this.v, this.src, this.origin, flags, this.count);
    }
    this.sink.drain();
  }

  private bucketError(chunk: RecordChunk, i: number, next: number, prev: number): never {
    throw new CorruptFileError('Resample', this.sourceFile, `the row at this position starts a bar at ${new Date(next).toISOString()}, before the bar it follows (${new Date(prev).toISOString()}); check the session ranges`, chunk.posOf(i), 'BAR_ORDER');
  }

  private orderError(chunk: RecordChunk, i: number, ts: number, prev: number): never {
    throw new CorruptFileError('Resample', this.sourceFile, `source rows out of order: ${new Date(ts).toISOString()} after ${new Date(prev).toISOString()}; timestamps must strictly increase`, chunk.posOf(i), 'TS_ORDER');
  }
}

/** Index of the first row of `chunk` with ts ≥ `ts` (chunk.count when none): rows are sorted by ts. */
function firstAtOrAfter(chunk: RecordChunk, ts: number): number {
  let lo = 0;
  let hi = chunk.count;
  if (hi === 0 || chunk.ts(hi - 1) < ts) return hi;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (chunk.ts(mid) < ts) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
