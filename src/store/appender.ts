// Buffered appends to one file at explicit positions (pwrite), with sync and truncate. The store writer and
// the CSV mirror both sit on it. Bytes are on disk only after flush(); durable only after sync().
// Writes are synchronous syscalls behind a Promise-shaped API (see reader.ts for why); fsync goes through
// the thread pool since it can take milliseconds. The 4 MiB write buffer of a closed appender is reused by
// the next one opened in the same thread (a run opens one per symbol).
import { closeSync, constants, fstatSync, fsync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { promisify } from 'node:util';

export const DEFAULT_WRITE_BUFFER = 4 * 1024 * 1024;

const fsyncAsync = promisify(fsync);

/** Write buffers of closed appenders (default size), reused by the next open in this thread. */
const spareBuffers: Buffer[] = [];
const EMPTY = Buffer.alloc(0);

export class FileAppender {
  private fill = 0;
  private closed = false;

  private constructor(
    private readonly fd: number,
    readonly file: string,
    /** Bytes on disk (written, maybe not yet synced). */
    private written: number,
    private buf: Buffer,
  ) {}

  /** Open `file` for appending at its current end, creating it when missing; `truncate` empties it first. */
  static async open(file: string, opts: { truncate?: boolean; bufferBytes?: number } = {}): Promise<FileAppender> {
    return FileAppender.openSync(file, opts);
  }

  static openSync(file: string, opts: { truncate?: boolean; bufferBytes?: number } = {}): FileAppender {
    // Read-write, created when missing, never O_APPEND (on Linux it ignores write positions).
    const fd = openSync(file, constants.O_RDWR | constants.O_CREAT | (opts.truncate ? constants.O_TRUNC : 0), 0o644);
    let size: number;
    try {
      size = fstatSync(fd).size;
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    const bytes = opts.bufferBytes ?? DEFAULT_WRITE_BUFFER;
    const buf = bytes === DEFAULT_WRITE_BUFFER && spareBuffers.length > 0 ? spareBuffers.pop()! : Buffer.allocUnsafeSlow(bytes);
    return new FileAppender(fd, file, size, buf);
  }

  /** Logical size: bytes on disk plus bytes still buffered. */
  get size(): number {
    return this.written + this.fill;
  }

  async append(data: Uint8Array): Promise<void> {
    this.appendSync(data);
  }

  appendSync(data: Uint8Array): void {
    if (this.closed) throw new Error(`append to ${this.file} after close`);
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

  /** Cut the file to `size` bytes without fsync (a commit that follows makes it durable with the data). */
  cutSync(size: number): void {
    this.flushSync();
    ftruncateSync(this.fd, size);
    this.written = size;
  }

  /** Flush buffered bytes (no fsync) and close. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      this.flushSync();
    } finally {
      this.release();
      closeSync(this.fd);
    }
  }

  /**
   * Flush buffered bytes and hand over the descriptor (e.g. to CommitBatch.syncAndClose, which fsyncs and
   * closes it); this appender is closed.
   */
  detach(): number {
    if (this.closed) throw new Error(`detach of ${this.file} after close`);
    try {
      this.flushSync();
    } catch (err) {
      this.release();
      closeSync(this.fd);
      throw err;
    }
    this.release();
    return this.fd;
  }

  private release(): void {
    this.closed = true;
    if (this.buf.length === DEFAULT_WRITE_BUFFER && spareBuffers.length < 4) spareBuffers.push(this.buf);
    this.buf = EMPTY;
    this.fill = 0;
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
