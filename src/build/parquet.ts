// Parquet output of `build`, written with hyparquet-writer (pure JS, already a dependency; see the README's
// Export section for the measurements behind the choice) row group by row group, so memory is bounded by
// one row group whatever the size of the export.
//   schema   := [symbol BYTE_ARRAY UTF8 (dictionary), timeframe BYTE_ARRAY UTF8 (dictionary)]  (not in
//               Hive partitions: the path holds them)
//               time INT64 TIMESTAMP(MILLIS, isAdjustedToUTC = store is UTC) (DELTA_BINARY_PACKED)
//               open high low close volume DOUBLE (BYTE_STREAM_SPLIT), all REQUIRED
//   row group := ≤ ROW_GROUP_ROWS rows of one series (never two), min/max statistics on every column
// A shifted store (broker time) has isAdjustedToUTC = false: its times are local wall-clock labels, which is
// exactly what the Parquet spec's "local semantics" timestamps mean, and engines then show them unconverted.
import { writeSync } from 'node:fs';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { BarChunk } from '../store/open.js';

/** Rows of one row group at most (the bound: engines prune by the time statistics of each). */
export const ROW_GROUP_ROWS = 1_000_000;
/** Bytes buffered before a write(2) to the output. */
const FLUSH_BYTES = 1 << 20;

export type Compression = 'zstd' | 'snappy' | 'gzip' | 'brotli' | 'none';
type Codec = 'ZSTD' | 'SNAPPY' | 'GZIP' | 'BROTLI' | 'UNCOMPRESSED';

const CODECS: Record<Compression, Codec> = { zstd: 'ZSTD', snappy: 'SNAPPY', gzip: 'GZIP', brotli: 'BROTLI', none: 'UNCOMPRESSED' };

let zstd: typeof import('@bokuweb/zstd-wasm') | undefined;

/** Node 20's zlib has no zstd: a WebAssembly build of the reference library (loaded once per thread). */
async function zstdModule(): Promise<typeof import('@bokuweb/zstd-wasm')> {
  if (!zstd) {
    const mod = await import('@bokuweb/zstd-wasm');
    await mod.init();
    zstd = mod;
  }
  return zstd;
}

async function compressors(c: Compression): Promise<Record<string, (input: Uint8Array) => Uint8Array>> {
  switch (c) {
    case 'zstd': {
      const z = await zstdModule();
      return { ZSTD: (b) => z.compress(b, 3) };
    }
    case 'gzip':
      return { GZIP: (b) => gzipSync(b) };
    case 'brotli':
      // Quality 11 (the default) is for static assets: ~20x slower than 5 for a few % of size.
      return { BROTLI: (b) => brotliCompressSync(b, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 } }) };
    default:
      return {};
  }
}

/** A ByteWriter that hands its bytes to a file descriptor every MiB instead of growing. */
class FdWriter extends ByteWriter {
  constructor(private readonly fd: number) {
    super(FLUSH_BYTES * 2);
  }

  override ensure(size: number): void {
    if (this.index + size > this.buffer.byteLength) {
      this.drain();
      if (size > this.buffer.byteLength) super.ensure(size);
    }
  }

  flush(): void {
    if (this.index >= FLUSH_BYTES) this.drain();
  }

  override finish(): void {
    this.drain();
  }

  private drain(): void {
    const bytes = new Uint8Array(this.buffer, 0, this.index);
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
    this.index = 0;
  }
}

export interface ParquetOptions {
  compression: Compression;
  /** true for UTC stores, false for shifted ones (see the module comment). */
  utc: boolean;
  /** symbol and timeframe columns (false inside Hive partitions, where the path holds them). */
  seriesColumns: boolean;
  /** Key-value metadata of the file footer. */
  metadata: Record<string, string>;
}

const PRICE_COLUMNS = ['open', 'high', 'low', 'close', 'volume'] as const;

export class ParquetSink {
  private readonly writer: ParquetWriter;
  private readonly out: FdWriter;
  private readonly time = new BigInt64Array(ROW_GROUP_ROWS);
  private readonly prices = PRICE_COLUMNS.map(() => new Float64Array(ROW_GROUP_ROWS));
  private rows = 0;
  private series: { symbol: Uint8Array; timeframe: Uint8Array } | undefined;
  rowsWritten = 0;

  private constructor(fd: number, private readonly opts: ParquetOptions, comp: Record<string, (input: Uint8Array) => Uint8Array>) {
    this.out = new FdWriter(fd);
    const columns = [
      ...(opts.seriesColumns
        ? [
          { name: 'symbol', type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'REQUIRED' as const },
          { name: 'timeframe', type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'REQUIRED' as const },
        ]
        : []),
      { name: 'time', type: 'INT64' as const, repetition_type: 'REQUIRED' as const, logical_type: { type: 'TIMESTAMP' as const, isAdjustedToUTC: opts.utc, unit: 'MILLIS' as const } },
      ...PRICE_COLUMNS.map((name) => ({ name, type: 'DOUBLE' as const, repetition_type: 'REQUIRED' as const })),
    ];
    this.writer = new ParquetWriter({
      writer: this.out,
      schema: [{ name: 'root', num_children: columns.length }, ...columns],
      codec: CODECS[opts.compression],
      compressors: comp,
      statistics: true,
      kvMetadata: Object.entries(opts.metadata).map(([key, value]) => ({ key, value })),
      createdBy: `candlestore ${opts.metadata['candlestore.version'] ?? ''}`.trim(),
    });
  }

  static async open(fd: number, opts: ParquetOptions): Promise<ParquetSink> {
    return new ParquetSink(fd, opts, await compressors(opts.compression));
  }

  /** Start the rows of another series: the current row group ends here. */
  beginSeries(symbol: string, timeframe: string): void {
    this.flushGroup();
    this.series = { symbol: Buffer.from(symbol, 'latin1'), timeframe: Buffer.from(timeframe, 'latin1') };
  }

  /** Append bars [from, to) of `chunk` (of the current series). */
  append(chunk: BarChunk, from = 0, to = chunk.count): void {
    for (let i = from; i < to;) {
      const n = Math.min(to - i, ROW_GROUP_ROWS - this.rows);
      const f64 = chunk.records.f64;
      const i64 = chunk.records.i64;
      const time = this.time;
      const [o, h, l, c, v] = this.prices;
      for (let k = 0; k < n; k++) {
        const w = (i + k) * 8;
        const r = this.rows + k;
        time[r] = i64[w];
        o[r] = f64[w + 1];
        h[r] = f64[w + 2];
        l[r] = f64[w + 3];
        c[r] = f64[w + 4];
        v[r] = f64[w + 5];
      }
      this.rows += n;
      i += n;
      if (this.rows === ROW_GROUP_ROWS) this.flushGroup();
    }
  }

  /** Write the footer; the caller fsyncs and closes the descriptor. */
  finish(): void {
    this.flushGroup();
    this.writer.finish();
  }

  private flushGroup(): void {
    const n = this.rows;
    if (n === 0) return;
    if (!this.series) throw new Error('ParquetSink: rows before beginSeries');
    const columnData = [
      ...(this.opts.seriesColumns
        ? [
          { name: 'symbol', data: new Array<Uint8Array>(n).fill(this.series.symbol), encoding: 'RLE_DICTIONARY' as const },
          { name: 'timeframe', data: new Array<Uint8Array>(n).fill(this.series.timeframe), encoding: 'RLE_DICTIONARY' as const },
        ]
        : []),
      { name: 'time', data: this.time.subarray(0, n), encoding: 'DELTA_BINARY_PACKED' as const },
      ...PRICE_COLUMNS.map((name, k) => ({ name, data: this.prices[k].subarray(0, n), encoding: 'BYTE_STREAM_SPLIT' as const })),
    ];
    this.writer.write({ columnData, rowGroupSize: n });
    this.rowsWritten += n;
    this.rows = 0;
  }
}
