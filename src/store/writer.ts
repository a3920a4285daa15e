// Appending to a `.bin` store: create it with its header or open an existing one (header validated), append
// whole encoded records in large buffered writes, sync, truncate back to a committed position.
import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Stage } from '../errors.js';
import { FileAppender } from './appender.js';
import { FORMAT_VERSION, HEADER_SIZE, RECORD_SIZE, encodeHeader, isRecordBoundary, newGeneration, writeRecord, type Candle, type Header, type HeaderInit } from './format.js';
import { StoreReader } from './reader.js';

export class StoreWriter {
  private constructor(
    private readonly out: FileAppender,
    readonly file: string,
    readonly header: Header,
  ) {}

  /** Create (or replace) `file` holding only the header; a new store gets a fresh generation unless given. */
  static async create(file: string, header: HeaderInit): Promise<StoreWriter> {
    return StoreWriter.createSync(file, header);
  }

  static createSync(file: string, init: HeaderInit): StoreWriter {
    const header: Header = { generation: newGeneration(), bodyCrc: 0, definition: 0, ...init, version: FORMAT_VERSION, recordSize: RECORD_SIZE };
    const out = FileAppender.openSync(file, { truncate: true });
    out.appendSync(encodeHeader(header));
    return new StoreWriter(out, file, header);
  }

  /**
   * Open an existing store for appending after its last whole record (or after `truncateTo`, which must be
   * a record boundary inside the file: bytes past it are cut off first).
   */
  static async open(file: string, opts: { stage: Stage; expect?: Partial<Pick<Header, 'symbol' | 'timeframe'>>; truncateTo?: number }): Promise<StoreWriter> {
    const reader = await StoreReader.open(file, { stage: opts.stage, expect: opts.expect, limit: opts.truncateTo });
    const { header, endPos, fileSize } = reader;
    await reader.close();
    const out = await FileAppender.open(file);
    if (fileSize !== endPos) await out.truncate(endPos);
    return new StoreWriter(out, file, header);
  }

  /** Logical size in bytes, buffered records included. */
  get size(): number {
    return this.out.size;
  }

  get recordCount(): number {
    return (this.out.size - HEADER_SIZE) / RECORD_SIZE;
  }

  /** Append encoded records (a whole number of 64-byte records). */
  async append(records: Uint8Array): Promise<void> {
    this.appendSync(records);
  }

  appendSync(records: Uint8Array): void {
    if (records.length % RECORD_SIZE !== 0) throw new RangeError(`append of ${records.length} bytes is not whole records`);
    this.out.appendSync(records);
  }

  async appendCandles(candles: readonly Candle[]): Promise<void> {
    const buf = Buffer.allocUnsafe(candles.length * RECORD_SIZE);
    candles.forEach((c, i) => writeRecord(buf, i * RECORD_SIZE, c));
    await this.append(buf);
  }

  /** Flush and fsync. */
  async sync(): Promise<void> {
    await this.out.sync();
  }

  /** Cut the store back to `pos` (a record boundary), e.g. the last committed out_pos. */
  async truncate(pos: number): Promise<void> {
    if (!isRecordBoundary(pos)) throw new RangeError(`truncate position ${pos} is not a record boundary`);
    await this.out.truncate(pos);
  }

  async close(): Promise<void> {
    await this.out.close();
  }

  /** Flush and hand over the descriptor (the caller fsyncs and closes it); the writer is closed. */
  detach(): number {
    return this.out.detach();
  }
}

/** Size of `file` in bytes, or undefined when it does not exist. */
export async function fileSize(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** fileSize with a synchronous stat. */
export function fileSizeSync(file: string): number | undefined {
  const st = statSync(file, { throwIfNoEntry: false });
  return st?.size;
}
