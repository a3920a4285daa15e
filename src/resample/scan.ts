// Forward scan of a source store's records into ONE reused buffer. StoreReader.scan hands out a fresh buffer
// per chunk (callers may keep it); the resampler never keeps a chunk, and touching fresh memory for every
// 4 MiB (page faults, GC of large buffers) cost more than folding the rows. The header is validated by
// StoreReader.open (symbol, timeframe, visible end) before the first read; its descriptor is kept for the
// scan (close() when done).
import { closeSync, readSync } from 'node:fs';
import { CorruptFileError, type Stage } from '../errors.js';
import { RecordChunk } from '../store/chunk.js';
import { RECORD_SIZE, isRecordBoundary, type Header } from '../store/format.js';
import { DEFAULT_CHUNK_BYTES, StoreReader } from '../store/reader.js';

export class SourceScan {
  /** Bytes read from the file, its header included. */
  bytesRead = 0;

  private constructor(private fd: number | undefined, readonly file: string, readonly header: Header, private readonly end: number, private readonly stage: Stage) {}

  /** Validate the header and the visible end `limit` (a committed out_pos, or a timeframe file's end). */
  static async open(file: string, stage: Stage, expect: Pick<Header, 'symbol' | 'timeframe'>, limit: number): Promise<SourceScan> {
    const reader = await StoreReader.open(file, { stage, expect, limit });
    const scan = new SourceScan(reader.detachFd(), file, reader.header, reader.endPos, stage);
    scan.bytesRead = reader.bytesRead;
    return scan;
  }

  /** Scan the file of an open reader (its header and visible end already validated); takes its descriptor. */
  static fromReader(reader: StoreReader, file: string, stage: Stage): SourceScan {
    return new SourceScan(reader.detachFd(), file, reader.header, reader.endPos, stage);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** Chunks from `fromPos` to the end; each chunk is only valid until the next one is produced. */
  *chunks(fromPos: number, chunkBytes = DEFAULT_CHUNK_BYTES): Generator<RecordChunk> {
    if (!isRecordBoundary(fromPos) || fromPos > this.end) throw new RangeError(`scan position ${fromPos} is not a record position up to ${this.end} of ${this.file}`);
    if (fromPos === this.end) return;
    const step = Math.max(RECORD_SIZE, chunkBytes - (chunkBytes % RECORD_SIZE));
    const whole = takeBuffer(step);
    const buf = whole.subarray(0, Math.min(step, this.end - fromPos));
    if (this.fd === undefined) throw new Error(`scan of ${this.file} after close`);
    const fd = this.fd;
    try {
      for (let pos = fromPos; pos < this.end; ) {
        const want = Math.min(buf.length, this.end - pos);
        let got = 0;
        while (got < want) {
          const n = readSync(fd, buf, got, want - got, pos + got);
          if (n === 0) break;
          got += n;
        }
        this.bytesRead += got;
        if (got !== want) throw new CorruptFileError(this.stage, this.file, `file shrank while being read (wanted ${want} bytes, got ${got})`, pos + got, 'TRUNCATED');
        yield new RecordChunk(buf.subarray(0, want), pos);
        pos += want;
      }
    } finally {
      giveBuffer(whole);
    }
  }
}

const pool: Buffer[] = [];

/**
 * A reusable 8-byte-aligned buffer of at least `bytes` (from a small per-thread pool): every timeframe of
 * every symbol a thread resamples reuses the same few MiB instead of allocating fresh ones.
 */
export function takeBuffer(bytes: number): Buffer {
  const i = pool.findIndex((b) => b.length >= bytes);
  if (i >= 0) return pool.splice(i, 1)[0];
  return Buffer.allocUnsafeSlow(bytes);
}

export function giveBuffer(buf: Buffer): void {
  if (pool.length < 4) pool.push(buf);
}
