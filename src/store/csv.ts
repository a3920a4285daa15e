// The CSV mirror of the aggregate store: `data/aggregate/1m/SYMBOL.csv`, one line per record, appended in
// step with the store and cut back to the index's csv_pos on repair. It is a pure function of the store's
// records, so it can always be regenerated from the store (which is what repair does when it is missing).
//
//   csv  := "time,open,high,low,close,volume\n" line*
//   line := YYYY-MM-DD HH:MM "," open "," high "," low "," close "," volume "\n"
// time is the record's ts (store time: UTC shifted by the transform's time_shift) printed as if UTC, no zone
// suffix; prices use the store header's decimals (toFixed); volume the shortest round-trip form (String()).
import { DAY_MS, MINUTE_MS, formatDay } from '../util/dates.js';
import type { Stage } from '../errors.js';
import { FileAppender } from './appender.js';
import type { RecordChunk } from './chunk.js';
import { StoreReader } from './reader.js';

export const CSV_HEADER = 'time,open,high,low,close,volume\n';

export class CsvFormatter {
  private day = Number.NaN;
  private dayText = '';

  constructor(private readonly decimals: number) {}

  /** `YYYY-MM-DD HH:MM` of a store time. */
  time(ts: number): string {
    const day = Math.floor(ts / DAY_MS) * DAY_MS;
    if (day !== this.day) {
      this.day = day;
      this.dayText = `${formatDay(day)} `;
    }
    const minute = Math.floor((ts - day) / MINUTE_MS);
    const h = Math.floor(minute / 60);
    const m = minute % 60;
    return `${this.dayText}${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}`;
  }

  /** The CSV lines of every record in `chunk`. */
  chunk(c: RecordChunk): string {
    const d = this.decimals;
    let out = '';
    for (let i = 0; i < c.count; i++) {
      out += `${this.time(c.ts(i))},${c.open(i).toFixed(d)},${c.high(i).toFixed(d)},${c.low(i).toFixed(d)},${c.close(i).toFixed(d)},${String(c.volume(i))}\n`;
    }
    return out;
  }
}

/**
 * Write the whole mirror of `storeFile` (records up to `outPos`) to `csvFile`, replacing what was there.
 * Fsynced; returns the mirror's size, the csv_pos the caller commits in the index.
 */
export async function regenerateCsv(csvFile: string, storeFile: string, outPos: number, stage: Stage): Promise<number> {
  const reader = await StoreReader.open(storeFile, { stage, limit: outPos });
  const out = await FileAppender.open(csvFile, { truncate: true });
  try {
    const fmt = new CsvFormatter(reader.header.decimals);
    await out.append(Buffer.from(CSV_HEADER, 'latin1'));
    for await (const chunk of reader.scan()) await out.append(Buffer.from(fmt.chunk(chunk), 'latin1'));
    await out.sync();
    return out.size;
  } finally {
    await out.close();
    await reader.close();
  }
}
