// `candlestore show SYMBOL/TF`: the bars of one series on stdout, read through openStore (committed bars
// only, no lock). Three forms:
//   table (default): aligned columns, a state column that marks the open bar (`open`) and closed bars a later
//     run may still rewrite (`provisional`); without --after/--until/--last it shows the last 50 bars and
//     says how many there are;
//   --csv: `time,open,high,low,close,volume` as `build --csv` writes it;
//   --json: NDJSON, one object per bar: {time, ts, open, high, low, close, volume, rows, isOpen, isFinal}.
// Output is written chunk by chunk; a closed pipe (`| head`) ends the command quietly.
import { ConfigError } from '../errors.js';
import { CsvEncoder, TimeFormatter, csvHeader, priceFormatter } from '../build/csvFormat.js';
import { parseRange } from '../build/timeArg.js';
import { openStore, type BarChunk, type RangeQuery, type Series } from '../store/open.js';
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
  out: NodeJS.WritableStream;
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
  const store = await openStore(req.root, { stage: 'Build' });
  const series = await store.series(symbol, timeframe);
  const write = writer(req.out);
  try {
    const form = req.csv ? 'csv' : req.json ? 'json' : 'table';
    const implicitLast = form === 'table' && last === undefined && range.after === undefined && range.until === undefined;
    if (implicitLast) last = DEFAULT_TABLE_BARS;
    let q: RangeQuery = range;
    if (last !== undefined) {
      const { from, to } = await series.indexRange(range);
      q = { from: Math.max(from, to - last), to };
    }
    const { from, to } = await series.indexRange(q);
    if (form === 'table') {
      const i = series.info;
      if (i.count === 0) {
        await write(`${i.symbol} ${i.timeframe}: no committed bars yet\n`);
        return;
      }
      await write(`${i.symbol} ${i.timeframe}: ${to - from === i.count ? 'all' : `${groupDigits(to - from)} of`} ${groupDigits(i.count)} bars`
        + `${implicitLast && to - from < i.count ? ' (the last ones; --last N, --after, --until for others)' : ''}\n`);
    }
    const fmt = form === 'csv' ? csvForm(series) : form === 'json' ? jsonForm() : tableForm(series);
    if (fmt.header) await write(fmt.header);
    for await (const chunk of series.chunks({ from, to }, CHUNK_BARS)) {
      if (!(await write(fmt.lines(chunk)))) return;
    }
  } finally {
    await series.close();
  }
}

interface Form {
  header?: string;
  lines(chunk: BarChunk): string;
}

function csvForm(series: Series): Form {
  let text = '';
  const enc = new CsvEncoder(series.info.decimals, 'csv', undefined, (bytes) => (text += bytes.toString('latin1')));
  return {
    header: csvHeader(false),
    lines(c) {
      enc.encode(c);
      enc.end();
      const out = text;
      text = '';
      return out;
    },
  };
}

function jsonForm(): Form {
  const time = new TimeFormatter();
  return {
    lines(c) {
      let out = '';
      for (let i = 0; i < c.count; i++) {
        const ts = c.time(i);
        out += `${JSON.stringify({ time: time.dateTime(ts), ts, open: c.open(i), high: c.high(i), low: c.low(i), close: c.close(i), volume: c.volume(i), rows: c.rows(i), isOpen: c.isOpen(i), isFinal: c.isFinal(i) })}\n`;
      }
      return out;
    },
  };
}

function tableForm(series: Series): Form {
  const price = priceFormatter(series.info.decimals);
  const time = new TimeFormatter();
  // Prices of one series have about the same number of digits; the widest of the first chunk sets the
  // column width (a later wider value shifts its own line, never truncates).
  let width = 0;
  const row = (cells: string[], volume: string, rows: string, state: string) =>
    `${cells[0].padEnd(19)}  ${cells.slice(1).map((c) => c.padStart(width)).join('  ')}  ${volume.padStart(14)}  ${rows.padStart(6)}  ${state}`.trimEnd() + '\n';
  return {
    lines(c) {
      let out = '';
      if (width === 0) {
        width = 5;
        for (let i = 0; i < c.count; i++) width = Math.max(width, price(c.high(i)).length);
        out += row(['time', 'open', 'high', 'low', 'close'], 'volume', 'rows', 'state');
      }
      for (let i = 0; i < c.count; i++) {
        const state = c.isOpen(i) ? 'open' : c.isFinal(i) ? '' : 'provisional';
        out += row([time.dateTime(c.time(i)), price(c.open(i)), price(c.high(i)), price(c.low(i)), price(c.close(i))], tableVolume(c.volume(i)), String(c.rows(i)), state);
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
