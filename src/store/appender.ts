// Buffered appends to one file at explicit positions (pwrite), with sync and truncate. The store writer and
// the CSV mirror both sit on it. Bytes are on disk only after flush(); durable only after sync().
// Writes are synchronous syscalls behind a Promise-shaped API (see reader.ts for why); fsync goes through
// the thread pool since it can take milliseconds.
import { closeSync, constants, fstatSync, fsync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { promisify } from 'node:util';

export const DEFAULT_WRITE_BUFFER = 4 * 1024 * 1024;

const fsyncAsync = promisify(fsync);

export class FileAppender {
  private fill = 0;

  private constructor(
    private readonly fd: number,
    readonly file: string,
    /** Bytes on disk (written, maybe not yet synced). */
    private written: number,
    private readonly buf: Buffer,
  ) {}

  /** Open `file` for appending at its current end, creating it when missing; `truncate` empties it first. */
  static async open(file: string, opts: { truncate?: boolean; bufferBytes?: number } = {}): Promise<FileAppender> {
    // Read-write, created when missing, never O_APPEND (on Linux it ignores write positions).
    const fd = openSync(file, constants.O_RDWR | constants.O_CREAT | (opts.truncate ? constants.O_TRUNC : 0), 0o644);
    const size = fstatSync(fd).size;
    return new FileAppender(fd, file, size, Buffer.allocUnsafeSlow(opts.bufferBytes ?? DEFAULT_WRITE_BUFFER));
  }

  /** Logical size: bytes on disk plus bytes still buffered. */
  get size(): number {
    return this.written + this.fill;
  }

  async append(data: Uint8Array): Promise<void> {
    if (this.fill + data.length > this.buf.length) this.flushSync();
    if (data.length >= this.buf.length) {
      this.writeAt(data, this.written);
      this.written += data.length;
      return;
    }
    this.buf.set(data, this.fill);
    this.fill += data.length;
  }

  /** Write buffered bytes to the file. */
  async flush(): Promise<void> {
    this.flushSync();
  }

  /** Flush and fsync: everything appended so far survives a crash. */
  async sync(): Promise<void> {
    this.flushSync();
    await fsyncAsync(this.fd);
  }

  /** Cut the file to `size` bytes (buffered bytes are flushed first) and fsync. */
  async truncate(size: number): Promise<void> {
    this.flushSync();
    ftruncateSync(this.fd, size);
    await fsyncAsync(this.fd);
    this.written = size;
  }

  /** Flush buffered bytes (no fsync) and close. */
  async close(): Promise<void> {
    try {
      this.flushSync();
    } finally {
      closeSync(this.fd);
    }
  }

  private flushSync(): void {
    if (this.fill === 0) return;
    this.writeAt(this.buf.subarray(0, this.fill), this.written);
    this.written += this.fill;
    this.fill = 0;
  }

  private writeAt(data: Uint8Array, pos: number): void {
    let done = 0;
    while (done < data.length) done += writeSync(this.fd, data, done, data.length - done, pos + done);
  }
}
