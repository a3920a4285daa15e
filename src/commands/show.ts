// `candlestore show SYMBOL/TF`: the bars of one series on stdout, read through openStore (committed bars
// only, no lock). Three forms:
//   table (default): aligned columns, a state column that marks the open bar (`open`) and closed bars a later
//     run may still rewrite (`provisional`); without --after/--until/--last it shows the last 50 bars and
//     says how many there are;
//   --csv: `time,open,high,low,close,volume` as `build --csv` writes it;
//   --json: NDJSON, one object per bar: {time, ts, open, high, low, close, volume, rows, isOpen, isFinal}.
// --side bid|ask|mid and --spread read as `build` does (store/sides.ts): mid prices carry one decimal more
// than the store, the spread (ask close − bid close) ends each row, bars on one side only are left out and
// noted on stderr with build's message; --last N counts paired bars.
// Output is written chunk by chunk; a closed pipe (`| head`) ends the command quietly.
import { ConfigError } from '../errors.js';
import { CsvEncoder, TimeFormatter, csvHeader, priceFormatter } from '../build/csvFormat.js';
import { parseRange } from '../build/timeArg.js';
import { oneSidedNote, parseReadSide } from '../build/readMode.js';
import { isPaired, type ReadMode } from '../build/plan.js';
import { fileSymbolOf, openStore, type BarChunk, type CandleStore, type RangeQuery, type Series } from '../store/open.js';
import { emptyOneSided, lastPairedRanges, pairedChunks, sideDecimals, type OneSided, type PairRange } from '../store/sides.js';
import { groupDigits } from '../util/digits.js';

const DEFAULT_TABLE_BARS = 50;
const CHUNK_BARS = 4096;

export interface ShowRequest {
  root: string;
  /** `EUR-USD/1h` or `EUR/USD/1h`. */
  series: string;
  after?: string;
  until?: string;
  last?: string;
  csv?: boolean;
  json?: boolean;
  /** `bid` (default), `ask` or `mid`, as `build --side`. */
  side?: string;
  /** Add the spread (ask close − bid close), as `build --spread`. */
  spread?: boolean;
  out: NodeJS.WritableStream;
  /** Notes (bars on one side only). */
  warn?: (line: string) => void;
}

const usage = (msg: string) => new ConfigError(msg, undefined, 'BAD_USAGE');

export async function showCommand(req: ShowRequest): Promise<void> {
  const cut = req.series.lastIndexOf('/');
  if (cut <= 0 || cut === req.series.length - 1) throw usage(`show ${JSON.stringify(req.series)}: want SYMBOL/TF, e.g. EUR-USD/1h`);
  const symbol = req.series.slice(0, cut);
  const timeframe = req.series.slice(cut + 1);
  if (req.csv && req.json) throw usage('give either --csv or --json, not both');
  let last: number | undefined;
  if (req.last !== undefined) {
    last = Number(req.last);
    if (!Number.isSafeInteger(last) || last < 1) throw usage(`--last ${req.last}: want a whole number ≥ 1`);
  }
  const range = parseRange(req.after, req.until);
  const read: ReadMode = { side: parseReadSide(req.side ?? 'bid'), spread: req.spread ?? false };
  const form = req.csv ? 'csv' : req.json ? 'json' : 'table';
  const implicitLast = form === 'table' && last === undefined && range.after === undefined && range.until === undefined;
  if (implicitLast) last = DEFAULT_TABLE_BARS;
  const store = await openStore(req.root, { stage: 'Build' });
  const write = writer(req.out);
  if (isPaired(read)) return showPaired(store, symbol, timeframe, { range, last, implicitLast, form, read, write, warn: req.warn ?? (() => {}) });
  const series = await store.series(symbol, timeframe, read.side === 'ask' ? 'ASK' : 'BID');
  try {
    let q: RangeQuery = range;
    if (last !== undefined) {
      const { from, to } = await series.indexRange(range);
      q = { from: Math.max(from, to - last), to };
    }
    const { from, to } = await series.indexRange(q);
    if (form === 'table') {
      const i = series.info;
      const name = `${i.symbol} ${i.timeframe}${read.side === 'ask' ? ' ask' : ''}`;
      if (i.count === 0) {
        await write(`${name}: no committed bars yet\n`);
        return;
      }
      await write(`${name}: ${to - from === i.count ? 'all' : `${groupDigits(to - from)} of`} ${groupDigits(i.count)} bars`
        + `${implicitLast && to - from < i.count ? ' (the last ones; --last N, --after, --until for others)' : ''}\n`);
    }
    const fmt = formOf(form, series.info.decimals, read);
    if (fmt.header) await write(fmt.header);
    for await (const chunk of series.chunks({ from, to }, CHUNK_BARS)) {
      if (!(await write(fmt.lines(chunk)))) return;
    }
  } finally {
    await series.close();
  }
}

/**
 * Mid or spread: the BID and ASK series paired by bar time (store/sides.ts); --last N is the last N paired
 * bars. The table's first line gives both stores' bar counts (the paired count would take a scan of both).
 */
async function showPaired(
  store: CandleStore, symbol: string, timeframe: string,
  o: { range: RangeQuery; last?: number; implicitLast: boolean; form: 'csv' | 'json' | 'table'; read: ReadMode; write: (text: string) => Promise<boolean>; warn: (line: string) => void },
): Promise<void> {
  const bid = await store.series(symbol, timeframe, 'BID');
  try {
    const ask = await store.series(symbol, timeframe, 'ASK');
    try {
      const decimals = bid.info.decimals;
      let b: PairRange = await bid.indexRange(o.range);
      let a: PairRange = await ask.indexRange(o.range);
      if (o.last !== undefined) ({ bid: b, ask: a } = await lastPairedRanges(bid, b, ask, a, o.last, CHUNK_BARS));
      if (o.form === 'table') {
        const i = bid.info;
        const what = `${o.read.side}${o.read.spread ? ' with spread' : ''}`;
        await o.write(`${i.symbol} ${i.timeframe} ${what}: ${o.last !== undefined ? `up to the last ${groupDigits(o.last)} paired bars` : 'the paired bars'} of ${groupDigits(i.count)} BID and ${groupDigits(ask.count)} ASK bars`
          + `${o.implicitLast ? ' (--last N, --after, --until for others)' : ''}\n`);
      }
      const fmt = formOf(o.form, decimals, o.read);
      if (fmt.header) await o.write(fmt.header);
      const oneSided: OneSided = emptyOneSided();
      for await (const p of pairedChunks(bid, b, ask, a, { side: o.read.side, spread: o.read.spread, chunkBars: CHUNK_BARS, oneSided })) {
        if (!(await o.write(fmt.lines(p.chunk, p.spread)))) return;
      }
      const note = oneSidedNote(`${fileSymbolOf(bid.info.symbol)} ${bid.info.timeframe}`, oneSided, o.read);
      if (note) o.warn(note);
    } finally {
      await ask.close();
    }
  } finally {
    await bid.close();
  }
}

interface Form {
  header?: string;
  /** The lines of `chunk`; `spread` holds each bar's spread when the read has one. */
  lines(chunk: BarChunk, spread?: Float64Array): string;
}

/** Prices at the side's decimals (mid: one more than the store's); the spread at the store's. */
function formOf(form: 'csv' | 'json' | 'table', storeDecimals: number, read: ReadMode): Form {
  const decimals = sideDecimals(read.side, storeDecimals);
  return form === 'csv' ? csvForm(decimals, storeDecimals, read.spread) : form === 'json' ? jsonForm(read.spread) : tableForm(decimals, storeDecimals, read.spread);
}

function csvForm(decimals: number, spreadDecimals: number, spread: boolean): Form {
  let text = '';
  const enc = new CsvEncoder(decimals, 'csv', undefined, (bytes) => (text += bytes.toString('latin1')));
  enc.spreadDecimals = spreadDecimals;
  return {
    header: csvHeader(false, spread),
    lines(c, s) {
      enc.encode(c, 0, c.count, spread ? s : undefined);
      enc.end();
      const out = text;
      text = '';
      return out;
    },
  };
}

function jsonForm(spread: boolean): Form {
  const time = new TimeFormatter();
  return {
    lines(c, s) {
      let out = '';
      for (let i = 0; i < c.count; i++) {
        const ts = c.time(i);
        const bar = { time: time.dateTime(ts), ts, open: c.open(i), high: c.high(i), low: c.low(i), close: c.close(i), volume: c.volume(i), rows: c.rows(i), isOpen: c.isOpen(i), isFinal: c.isFinal(i) };
        out += `${JSON.stringify(spread ? { ...bar, spread: s![i] } : bar)}\n`;
      }
      return out;
    },
  };
}

function tableForm(decimals: number, spreadDecimals: number, spread: boolean): Form {
  const price = priceFormatter(decimals);
  const spreadText = priceFormatter(spreadDecimals);
  const time = new TimeFormatter();
  // Prices of one series have about the same number of digits; the widest of the first chunk sets the
  // column width (a later wider value shifts its own line, never truncates).
  let width = 0;
  let spreadWidth = 0;
  const row = (cells: string[], spreadCell: string | undefined, volume: string, rows: string, state: string) =>
    `${cells[0].padEnd(19)}  ${cells.slice(1).map((c) => c.padStart(width)).join('  ')}  ${volume.padStart(14)}  ${rows.padStart(6)}${spreadCell === undefined ? '' : `  ${spreadCell.padStart(spreadWidth)}`}  ${state}`.trimEnd() + '\n';
  return {
    lines(c, s) {
      let out = '';
      if (width === 0) {
        width = 5;
        spreadWidth = 6;
        for (let i = 0; i < c.count; i++) {
          width = Math.max(width, price(c.high(i)).length);
          if (spread) spreadWidth = Math.max(spreadWidth, spreadText(s![i]).length);
        }
        out += row(['time', 'open', 'high', 'low', 'close'], spread ? 'spread' : undefined, 'volume', 'rows', 'state');
      }
      for (let i = 0; i < c.count; i++) {
        const state = c.isOpen(i) ? 'open' : c.isFinal(i) ? '' : 'provisional';
        out += row([time.dateTime(c.time(i)), price(c.open(i)), price(c.high(i)), price(c.low(i)), price(c.close(i))], spread ? spreadText(s![i]) : undefined, tableVolume(c.volume(i)), String(c.rows(i)), state);
      }
      return out;
    },
  };
}

/** Write with backpressure; resolves false once the reader has gone (EPIPE), so the caller stops quietly. */
function writer(out: NodeJS.WritableStream): (text: string) => Promise<boolean> {
  let closed = false;
  out.on('error', () => {
    closed = true;
  });
  return (text) => new Promise((resolve) => {
    if (closed) return resolve(false);
    if (text.length === 0 || out.write(text)) return resolve(true);
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      out.off('error', done);
      resolve(!closed);
    };
    out.on('drain', done);
    out.on('close', done);
    out.on('error', done);
  });
}

/**
 * Volume for human eyes: a bar's volume is a sum of doubles, so its shortest round-trip form can carry the
 * sums' last-bit noise (7034.2699999999995); 15 significant digits drop it. --csv and --json keep the
 * stored value exactly.
 */
function tableVolume(v: number): string {
  return String(Number(v.toPrecision(15)));
}
