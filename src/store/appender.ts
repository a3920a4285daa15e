// Buffered appends to one file at explicit positions (pwrite), with sync and truncate. The store writer and
// the CSV mirror both sit on it. Bytes are on disk only after flush(); durable only after sync().
import { open, type FileHandle } from 'node:fs/promises';

export const DEFAULT_WRITE_BUFFER = 4 * 1024 * 1024;

export class FileAppender {
  private fill = 0;

  private constructor(
    private readonly fh: FileHandle,
    readonly file: string,
    /** Bytes on disk (written, maybe not yet synced). */
    private written: number,
    private readonly buf: Buffer,
  ) {}

  /** Open `file` for appending at its current end, creating it when missing; `truncate` empties it first. */
  static async open(file: string, opts: { truncate?: boolean; bufferBytes?: number } = {}): Promise<FileAppender> {
    const fh = opts.truncate ? await open(file, 'w+') : await openOrCreate(file);
    const size = (await fh.stat()).size;
    return new FileAppender(fh, file, size, Buffer.allocUnsafeSlow(opts.bufferBytes ?? DEFAULT_WRITE_BUFFER));
  }

  /** Logical size: bytes on disk plus bytes still buffered. */
  get size(): number {
    return this.written + this.fill;
  }

  async append(data: Uint8Array): Promise<void> {
    if (this.fill + data.length > this.buf.length) await this.flush();
    if (data.length >= this.buf.length) {
      await this.writeAt(data, this.written);
      this.written += data.length;
      return;
    }
    this.buf.set(data, this.fill);
    this.fill += data.length;
  }

  /** Write buffered bytes to the file. */
  async flush(): Promise<void> {
    if (this.fill === 0) return;
    await this.writeAt(this.buf.subarray(0, this.fill), this.written);
    this.written += this.fill;
    this.fill = 0;
  }

  /** Flush and fsync: everything appended so far survives a crash. */
  async sync(): Promise<void> {
    await this.flush();
    await this.fh.sync();
  }

  /** Cut the file to `size` bytes (buffered bytes are flushed first) and fsync. */
  async truncate(size: number): Promise<void> {
    await this.flush();
    await this.fh.truncate(size);
    await this.fh.sync();
    this.written = size;
  }

  /** Flush buffered bytes (no fsync) and close. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.fh.close();
    }
  }

  private async writeAt(data: Uint8Array, pos: number): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.fh.write(data, done, data.length - done, pos + done);
      done += bytesWritten;
    }
  }
}

/** r+ (not append mode: on Linux O_APPEND ignores write positions), creating the file when missing. */
async function openOrCreate(file: string): Promise<FileHandle> {
  try {
    return await open(file, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return open(file, 'w+');
  }
}
