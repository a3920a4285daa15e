// Reading a symbol's two sides together (issue 14): `mid` bars and the `spread` column are computed on the
// fly from the BID and ASK stores of one timeframe in one merged forward scan by bar time (both stores are
// sorted by time, so each is read once, in chunks; memory stays flat). Used by `build` and the HTTP API.
//   - Pairing is strict: a bar pairs only with the bar of the same time on the other side. A time present on
//     one side only is left out of the output and counted (`OneSided`), never paired with a neighbour.
//   - mid = (bid + ask) / 2 for open, high, low, close, in exact decimal arithmetic: both prices are integers
//     of 10^-d units, so mid is the integer (b + a)·5 of 10^-(d+1) units: one more decimal than the store
//     (MID_EXTRA_DECIMALS). The double returned is the one nearest to that decimal (an exact integer divided
//     by an exact power of ten), so printing it with d+1 decimals gives the decimal back.
//   - mid volume = (bid volume + ask volume) / 2: a mid bar stands for the average of the two quotes, in
//     the same units and scale as either side's volume (a volume filter tuned on BID reads the same on mid);
//     rounded to 15 significant digits, which drops the binary artefact of the sum (36.35, not 36.349999…).
//   - spread = ask close − bid close, exact at d decimals (an integer of 10^-d units).
//   - flags: a paired bar is open if either side's is; it is final only if both are.
// A paired bar's `rows` (count) is the BID bar's.
import { CandleError } from '../errors.js';
import { HEADER_SIZE, RECORD_SIZE } from './format.js';
import { RecordChunk } from './chunk.js';
import { BarChunk, type Series } from './open.js';

export type ReadSide = 'bid' | 'ask' | 'mid';
export const READ_SIDES: readonly ReadSide[] = Object.freeze(['bid', 'ask', 'mid']);
/** Mid prices carry one decimal more than the store's. */
export const MID_EXTRA_DECIMALS = 1;
/** One-sided times kept for messages (the count is always whole). */
export const ONE_SIDED_LISTED = 5;

export interface OneSided {
  /** Bar times present in the BID store and missing in the ASK store. */
  bidOnly: number;
  /** Bar times present in the ASK store and missing in the BID store. */
  askOnly: number;
  /** The first few of them, in time order. */
  first: { time: number; side: 'BID' | 'ASK' }[];
}

export function emptyOneSided(): OneSided {
  return { bidOnly: 0, askOnly: 0, first: [] };
}

/** A chunk of paired bars (the side asked for) and, with `spread`, ask close − bid close of each. */
export interface PairedChunk {
  chunk: BarChunk;
  spread: Float64Array | undefined;
}

export interface PairRange {
  from: number;
  to: number;
}

/** Prices of `side` from a pair, with the decimals they are exact at. */
export function sideDecimals(side: ReadSide, storeDecimals: number): number {
  return side === 'mid' ? storeDecimals + MID_EXTRA_DECIMALS : storeDecimals;
}

/** Both sides' decimals must agree (one instrument): the pairing's price arithmetic rests on it. */
export function checkPair(bid: Series, ask: Series): number {
  if (bid.info.decimals !== ask.info.decimals) {
    throw new CandleError('Build', 'SIDES_MISMATCH', `${bid.info.file} has ${bid.info.decimals} decimals and ${ask.info.file} ${ask.info.decimals}: the two sides of one instrument must have the same (rebuild the ASK series with the BID settings)`);
  }
  return bid.info.decimals;
}

/**
 * The bars of `side` at the times both series have, in time order, over bars [from, to) of each, in chunks
 * of at most `chunkBars`; times on one side only are counted into `oneSided` and left out.
 */
export async function* pairedChunks(
  bid: Series, bidRange: PairRange, ask: Series, askRange: PairRange,
  opts: { side: ReadSide; spread: boolean; chunkBars: number; oneSided: OneSided; signal?: AbortSignal; listed?: number },
): AsyncGenerator<PairedChunk> {
  const decimals = checkPair(bid, ask);
  const scale = 10 ** decimals;
  const midScale = 10 ** (decimals + MID_EXTRA_DECIMALS);
  const { side, oneSided } = opts;
  const b = new Cursor(bid, bidRange, opts.chunkBars);
  const a = new Cursor(ask, askRange, opts.chunkBars);
  await b.fill();
  await a.fill();
  let out = Buffer.alloc(opts.chunkBars * RECORD_SIZE);
  let spread = opts.spread ? new Float64Array(opts.chunkBars) : undefined;
  let n = 0;
  let finalPrefix = 0;
  const note = (time: number, s: 'BID' | 'ASK') => {
    if (s === 'BID') oneSided.bidOnly++;
    else oneSided.askOnly++;
    if (oneSided.first.length < (opts.listed ?? ONE_SIDED_LISTED)) oneSided.first.push({ time, side: s });
  };
  const flush = (): PairedChunk => {
    const records = new RecordChunk(out.subarray(0, n * RECORD_SIZE), HEADER_SIZE);
    const result = { chunk: new BarChunk(records, 0, finalPrefix), spread: spread?.subarray(0, n) };
    out = Buffer.alloc(opts.chunkBars * RECORD_SIZE);
    spread = opts.spread ? new Float64Array(opts.chunkBars) : undefined;
    n = 0;
    finalPrefix = 0;
    return result;
  };
  while (!b.done || !a.done) {
    if (opts.signal?.aborted) throw new CandleError('Build', 'INTERRUPTED', 'interrupted');
    if (a.done || (!b.done && b.time < a.time)) {
      note(b.time, 'BID');
      if (++b.i >= b.chunk!.count) await b.fill();
      continue;
    }
    if (b.done || a.time < b.time) {
      note(a.time, 'ASK');
      if (++a.i >= a.chunk!.count) await a.fill();
      continue;
    }
    // The same bar time on both sides: one output bar.
    const src = side === 'ask' ? a : b;
    src.chunk!.records.buf.copy(out, n * RECORD_SIZE, src.i * RECORD_SIZE, (src.i + 1) * RECORD_SIZE);
    const f = new Float64Array(out.buffer, out.byteOffset + n * RECORD_SIZE, 8);
    const bc = b.chunk!, ac = a.chunk!;
    if (side === 'mid') {
      f[1] = (Math.round(bc.open(b.i) * scale) + Math.round(ac.open(a.i) * scale)) * 5 / midScale;
      f[2] = (Math.round(bc.high(b.i) * scale) + Math.round(ac.high(a.i) * scale)) * 5 / midScale;
      f[3] = (Math.round(bc.low(b.i) * scale) + Math.round(ac.low(a.i) * scale)) * 5 / midScale;
      f[4] = (Math.round(bc.close(b.i) * scale) + Math.round(ac.close(a.i) * scale)) * 5 / midScale;
      // 15 significant digits: the volumes' own decimals, without the binary artefact of the sum (36.35, not 36.349999999999994).
      f[5] = Number(((bc.volume(b.i) + ac.volume(a.i)) / 2).toPrecision(15));
    }
    const flags = bc.flags(b.i) | ac.flags(a.i);
    out.writeUInt16LE(flags, n * RECORD_SIZE + 58);
    if (spread) spread[n] = (Math.round(ac.close(a.i) * scale) - Math.round(bc.close(b.i) * scale)) / scale;
    if (bc.isFinal(b.i) && ac.isFinal(a.i)) finalPrefix = n + 1;
    n++;
    // Within a chunk the cursors move synchronously (an await per bar would cost more than the bar).
    if (++b.i >= bc.count) await b.fill();
    if (++a.i >= ac.count) await a.fill();
    if (n === opts.chunkBars) yield flush();
  }
  if (n > 0) yield flush();
}

/** Count what pairedChunks would give (bars paired, one-sided times) from the bar times alone. */
export async function countPairs(bid: Series, bidRange: PairRange, ask: Series, askRange: PairRange, chunkBars: number, listed = ONE_SIDED_LISTED, signal?: AbortSignal): Promise<{ paired: number; oneSided: OneSided }> {
  const oneSided = emptyOneSided();
  let paired = 0;
  for await (const p of pairedChunks(bid, bidRange, ask, askRange, { side: 'bid', spread: false, chunkBars, oneSided, listed, signal })) paired += p.chunk.count;
  return { paired, oneSided };
}

/** A forward read position over bars [from, to) of one series, a chunk at a time. */
class Cursor {
  chunk: BarChunk | undefined;
  i = 0;
  private next_: number;
  constructor(private readonly series: Series, private readonly range: PairRange, private readonly chunkBars: number) {
    this.next_ = range.from;
  }
  get done(): boolean {
    return this.chunk === undefined;
  }
  get time(): number {
    return this.chunk!.time(this.i);
  }
  async fill(): Promise<void> {
    if (this.next_ >= this.range.to) {
      this.chunk = undefined;
      return;
    }
    const to = Math.min(this.range.to, this.next_ + this.chunkBars);
    this.chunk = await this.series.readChunk(this.next_, to);
    this.next_ = to;
    this.i = 0;
    if (this.chunk.count === 0) this.chunk = undefined;
  }
}
