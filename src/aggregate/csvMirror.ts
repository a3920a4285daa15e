// The CSV mirror `SYMBOL.csv` as the append run keeps it: appended in step with the store, cut back with it.
// Its text is a pure function of the store's records (csv.ts), so the byte length of the lines of given
// records is known without reading the mirror: that is how the run finds the mirror's size at final_pos.
import { FileAppender } from '../store/appender.js';
import { RecordChunk } from '../store/chunk.js';
import { CSV_HEADER, mirrorEncoder } from '../store/csv.js';
import type { CsvEncoder } from '../store/csvEncoder.js';

export class CsvMirror {
  /** Encodes straight into a buffer of its own, handed to the appender as it fills. */
  private readonly enc: CsvEncoder;

  private constructor(private out: FileAppender | undefined, decimals: number) {
    this.enc = mirrorEncoder(decimals, (bytes) => this.file().appendSync(bytes));
  }

  /** Open the mirror at `file` (create: a fresh one holding only the header line). */
  static openSync(file: string, decimals: number, create: boolean): CsvMirror {
    const out = FileAppender.openSync(file, { truncate: create });
    if (create) out.appendSync(Buffer.from(CSV_HEADER, 'latin1'));
    return new CsvMirror(out, decimals);
  }

  /** Byte length of the CSV lines of `records` (whole 64-byte records, e.g. a store's provisional tail). */
  static textLength(records: Buffer, decimals: number): number {
    if (records.length === 0) return 0;
    let length = 0;
    const enc = mirrorEncoder(decimals, (bytes) => (length += bytes.length));
    enc.encodeRecords(new RecordChunk(records, 0));
    enc.end();
    return length;
  }

  get size(): number {
    return this.file().size;
  }

  /** Append the lines of `records` (whole records, written to the store at `startPos`). */
  appendSync(records: Buffer, startPos: number): void {
    this.enc.encodeRecords(new RecordChunk(records, startPos));
    this.enc.end();
  }

  /** Cut to `size` without fsync (the commit that follows fsyncs). */
  truncateSync(size: number): void {
    this.file().cutSync(size);
  }

  truncate(size: number): Promise<void> {
    return this.file().truncate(size);
  }

  sync(): Promise<void> {
    return this.file().sync();
  }

  /** Flush and hand over the descriptor (the caller fsyncs and closes it). */
  detach(): number {
    const fd = this.file().detach();
    this.out = undefined;
    return fd;
  }

  async close(): Promise<void> {
    const out = this.out;
    this.out = undefined;
    await out?.close();
  }

  private file(): FileAppender {
    if (!this.out) throw new Error('CSV mirror used after close');
    return this.out;
  }
}
