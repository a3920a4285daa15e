// Text forms of bars for `build --csv` and `show`:
//   csv  := header? line*
//   line := [symbol "," timeframe ","] YYYY-MM-DD HH:MM:SS "," open "," high "," low "," close "," volume "\n"
//   mt4  := YYYY.MM.DD "," HH:MM "," open "," high "," low "," close "," volume "\n"   (no header)
// Prices are printed with the store's decimals from integer arithmetic (the stored double is the one nearest
// to a decimal with that many digits, so rounding price·10^d recovers it exactly): never 1.1000000000000001,
// and 2-3x faster than toFixed. Volume is the shortest text that reads back as the same double. The byte
// encoder is store/csvEncoder.ts (the CSV mirror uses the same one); the string forms here serve `show`.
// Times are store times printed as they are labelled (UTC or broker time), without a zone suffix.
import { DAY_MS } from '../util/dates.js';
import { CsvEncoder as RecordCsvEncoder } from '../store/csvEncoder.js';
import type { BarChunk } from '../store/open.js';

export const CSV_COLUMNS = ['symbol', 'timeframe', 'time', 'open', 'high', 'low', 'close', 'volume'] as const;

/** Prices with a fixed number of decimals, as the decimal the store holds. */
export function priceFormatter(decimals: number): (price: number) => string {
  if (decimals === 0) return (p) => String(Math.round(p));
  const scale = 10 ** decimals;
  const zeros = '0'.repeat(decimals);
  return (p) => {
    const units = Math.round(Math.abs(p) * scale);
    const whole = Math.floor(units / scale);
    const frac = String(units - whole * scale);
    return `${p < 0 && units !== 0 ? '-' : ''}${whole}.${frac.length === decimals ? frac : zeros.slice(frac.length) + frac}`;
  };
}

const two = (n: number) => (n < 10 ? `0${n}` : String(n));

/** Memoises the date part per day: consecutive bars share it. */
export class TimeFormatter {
  private day = Number.NaN;
  private dayText = '';
  constructor(private readonly dateSep: '-' | '.' = '-') {}

  private date(ts: number): number {
    const day = Math.floor(ts / DAY_MS) * DAY_MS;
    if (day !== this.day) {
      this.day = day;
      const iso = new Date(day).toISOString();
      this.dayText = this.dateSep === '-' ? iso.slice(0, 10) : `${iso.slice(0, 4)}.${iso.slice(5, 7)}.${iso.slice(8, 10)}`;
    }
    return ts - day;
  }

  /** `YYYY-MM-DD HH:MM:SS` */
  dateTime(ts: number): string {
    const ms = this.date(ts);
    const s = Math.floor(ms / 1000);
    return `${this.dayText} ${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
  }

  /** `YYYY.MM.DD,HH:MM` (MetaTrader). */
  mt4(ts: number): string {
    const ms = this.date(ts);
    const m = Math.floor(ms / 60_000);
    return `${this.dayText},${two(Math.floor(m / 60))}:${two(m % 60)}`;
  }
}

/** The export forms (the encoder's third, `mirror`, is the store's CSV mirror). */
export type CsvFlavor = 'csv' | 'mt4';

export function csvHeader(withSeries: boolean, spread = false): string {
  return `${(withSeries ? CSV_COLUMNS : CSV_COLUMNS.slice(2)).join(',')}${spread ? ',spread' : ''}\n`;
}

/**
 * The store's one CSV encoder (store/csvEncoder.ts, shared with the CSV mirror), taking the bars of
 * openStore's chunks. `flush` receives each filled part; it must consume or copy it before returning.
 */
export class CsvEncoder extends RecordCsvEncoder {
  constructor(decimals: number, flavor: CsvFlavor, prefix: { symbol: string; timeframe: string } | undefined, flush: (bytes: Buffer) => void, capacity?: number) {
    super(decimals, flavor, prefix, flush, capacity);
  }

  /** Encode bars [from, to) of `chunk`; with `spread`, its value for each bar ends the line (spreadDecimals). */
  encode(chunk: BarChunk, from = 0, to = chunk.count, spread?: Float64Array): void {
    this.encodeRecords(chunk.records, from, to, spread);
  }
}
