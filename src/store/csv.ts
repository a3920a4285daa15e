// The CSV mirror of the aggregate store: `data/aggregate/1m/SYMBOL.csv`, one line per record, appended in
// step with the store and cut back to the index's csv_pos on repair. It is a pure function of the store's
// records, so it can always be regenerated from the store (which is what repair does when it is missing).
//
//   csv  := "time,open,high,low,close,volume\n" line*
//   line := YYYY-MM-DD HH:MM "," open "," high "," low "," close "," volume "\n"
// time is the record's ts (store time: UTC shifted by the transform's time_shift) printed as if UTC, no zone
// suffix; prices use the store header's decimals (exactly toFixed); volume the shortest round-trip form
// (exactly String()). The bytes come from the encoder `build --csv` uses too (csvEncoder.ts).
import type { Stage } from '../errors.js';
import { FileAppender } from './appender.js';
import type { RecordChunk } from './chunk.js';
import { CsvEncoder } from './csvEncoder.js';
import { StoreReader } from './reader.js';

export const CSV_HEADER = 'time,open,high,low,close,volume\n';

/** The mirror's encoder (store/csvEncoder.ts, flavor `mirror`): its bytes go to `flush`. */
export function mirrorEncoder(decimals: number, flush: (bytes: Buffer) => void): CsvEncoder {
  return new CsvEncoder(decimals, 'mirror', undefined, flush);
}

/** The mirror's lines of `records` as a string (for checks of a few lines; appends use mirrorEncoder). */
export function mirrorLines(records: RecordChunk, decimals: number): string {
  let out = '';
  const enc = mirrorEncoder(decimals, (bytes) => (out += bytes.toString('latin1')));
  enc.encodeRecords(records);
  enc.end();
  return out;
}

/** The mirror's lines of record chunks, as strings (verify compares the mirror's last line with one). */
export class CsvFormatter {
  constructor(private readonly decimals: number) {}

  /** The CSV lines of every record in `chunk`. */
  chunk(c: RecordChunk): string {
    return mirrorLines(c, this.decimals);
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
    const enc = mirrorEncoder(reader.header.decimals, (bytes) => out.appendSync(bytes));
    out.appendSync(Buffer.from(CSV_HEADER, 'latin1'));
    for await (const chunk of reader.scanChunks()) enc.encodeRecords(chunk);
    enc.end();
    await out.sync();
    return out.size;
  } finally {
    await out.close();
    await reader.close();
  }
}
