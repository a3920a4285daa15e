// Parquet output of `build`: a writer specialised to the one schema it writes, row group by row group, so
// memory is bounded by one row group whatever the size of the export.
//   file      := "PAR1" rowgroup* footer(FileMetaData, thrift compact) footer_len u32 "PAR1"
//   schema    := [symbol, timeframe BYTE_ARRAY STRING, dictionary-encoded]  (left out inside Hive partitions,
//                where the path holds them)
//                time INT64 TIMESTAMP(MILLIS, isAdjustedToUTC = store is UTC), DELTA_BINARY_PACKED
//                open high low close volume DOUBLE, BYTE_STREAM_SPLIT; every column REQUIRED
//   rowgroup  := ≤ ROW_GROUP_ROWS rows of one series (never two); column chunks of data pages (v1) of at most
//                PAGE_ROWS values, each compressed alone; min/max statistics per column chunk
// Why not hyparquet-writer's ParquetWriter (measured in the README's Export section): it is general (any
// schema, nulls, nesting) and pays for it per value — ~0.9 M rows/s on one core with these encodings, most
// of it in per-byte appends, generic statistics and BigInt conversion of timestamps. With one fixed flat
// schema every column is a typed-array transform (delta bit-packing, a byte transpose) plus compression.
// A shifted store (broker time) gets isAdjustedToUTC = false: its times are wall-clock labels, the Parquet
// spec's "local semantics", and engines show them unconverted.
// Row groups are encoded by GroupEncoder (parquetGroup.ts), inline or, for a big single file, on worker
// threads (parquetWorker.ts) two at a time while this thread reads the next rows; written in order.
import { writeSync } from 'node:fs';
import type { BarChunk } from '../store/open.js';
import { siblingModule } from '../workers/pool.js';
import {
  CODEC, CONVERTED_TIMESTAMP_MILLIS, CONVERTED_UTF8, GroupEncoder, doubleColumns, REQUIRED, TYPE_BYTE_ARRAY, TYPE_DOUBLE, TYPE_INT64,
  compressorFor, type ChunkMeta, type Compression, type EncodedGroup, type GroupInput,
} from './parquetGroup.js';
import { CompactWriter } from './thrift.js';

export type { Compression } from './parquetGroup.js';

/**
 * Rows of one row group at most: the bound is 1M; 256 Ki rows keep the column buffers at 12 MiB
 * (memory flat whatever the export) and give engines finer time statistics to prune by.
 */
export const ROW_GROUP_ROWS = 262_144;

export interface ParquetOptions {
  compression: Compression;
  /** true for UTC stores, false for shifted ones (see the module comment). */
  utc: boolean;
  /** symbol and timeframe columns (false inside Hive partitions, where the path holds them). */
  seriesColumns: boolean;
  /** Key-value metadata of the file footer. */
  metadata: Record<string, string>;
  /** Worker threads encoding row groups (0: this thread encodes). */
  encodeThreads?: number;
  /** Rows the file will hold, when known: column buffers are sized to it (a small partition needs no 12 MiB). */
  rows?: number;
  /** A `spread` column after volume (append's `spread` argument). */
  spread?: boolean;
}

interface GroupMeta {
  columns: ChunkMeta[];
  rows: number;
  offset: number;
  uncompressed: number;
  compressed: number;
}

interface Buffers {
  time: Float64Array;
  prices: Float64Array[];
}

const newBuffers = (rows: number, spread: boolean): Buffers => ({ time: new Float64Array(rows), prices: doubleColumns(spread).map(() => new Float64Array(rows)) });

/** Worker threads that encode row groups (piscina, as the stages' pools: it loads .ts modules under tsx). */
class EncoderPool {
  private constructor(private readonly pool: import('piscina').Piscina, private readonly compression: Compression) {}

  static async open(threads: number, compression: Compression): Promise<EncoderPool> {
    const { Piscina } = await import('piscina');
    return new EncoderPool(new Piscina({ filename: siblingModule(import.meta.url, 'parquetWorker'), minThreads: threads, maxThreads: threads }), compression);
  }

  get threads(): number {
    return this.pool.options.maxThreads;
  }

  /** Encode on a thread; the column buffers move there (the caller fills fresh ones meanwhile). */
  encode(input: GroupInput): Promise<EncodedGroup> {
    const transferList = [input.time.buffer, ...input.prices.map((p) => p.buffer)] as ArrayBuffer[];
    return this.pool.run({ compression: this.compression, input }, { transferList });
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

export class ParquetSink {
  private readonly capacity: number;
  private current: Buffers;
  private rows = 0;
  private pos = 0;
  private series: { symbol: string; timeframe: string } | undefined;
  private readonly groups: GroupMeta[] = [];
  /** Groups being encoded on threads, in file order. */
  private readonly inFlight: Promise<EncodedGroup>[] = [];
  rowsWritten = 0;

  private constructor(
    private readonly fd: number,
    private readonly opts: ParquetOptions,
    private readonly encoder: GroupEncoder,
    private readonly pool: EncoderPool | undefined,
  ) {
    // Never more than a row group; a group boundary falls at ROW_GROUP_ROWS whatever the capacity.
    this.capacity = Math.max(1, Math.min(ROW_GROUP_ROWS, opts.rows ?? ROW_GROUP_ROWS));
    this.current = newBuffers(this.capacity, this.opts.spread ?? false);
    this.write(Buffer.from('PAR1', 'latin1'));
  }

  static async open(fd: number, opts: ParquetOptions): Promise<ParquetSink> {
    const pool = opts.encodeThreads ? await EncoderPool.open(opts.encodeThreads, opts.compression) : undefined;
    return new ParquetSink(fd, opts, new GroupEncoder(await compressorFor(opts.compression)), pool);
  }

  /** Start the rows of another series: the current row group ends here. */
  async beginSeries(symbol: string, timeframe: string): Promise<void> {
    await this.flushGroup();
    this.series = { symbol, timeframe };
  }

  /** Append bars [from, to) of `chunk` (of the current series), and their `spread` when the file has that column. */
  async append(chunk: BarChunk, from = 0, to = chunk.count, spread?: Float64Array): Promise<void> {
    const f64 = chunk.records.f64;
    for (let i = from; i < to;) {
      if (this.rows === this.capacity) await this.flushGroup();
      const n = Math.min(to - i, this.capacity - this.rows);
      const time = this.current.time;
      const [o, h, l, c, v] = this.current.prices;
      for (let k = 0; k < n; k++) {
        const w = (i + k) * 8;
        const r = this.rows + k;
        time[r] = chunk.time(i + k);
        o[r] = f64[w + 1];
        h[r] = f64[w + 2];
        l[r] = f64[w + 3];
        c[r] = f64[w + 4];
        v[r] = f64[w + 5];
      }
      if (this.opts.spread) this.current.prices[5].set(spread!.subarray(i, i + n), this.rows);
      this.rows += n;
      i += n;
      if (this.rows === ROW_GROUP_ROWS) await this.flushGroup();
    }
  }

  /** Write the remaining groups and the footer; the caller fsyncs and closes the descriptor. */
  async finish(): Promise<void> {
    try {
      await this.flushGroup();
      while (this.inFlight.length) this.writeGroup(await this.inFlight.shift()!);
    } finally {
      await this.pool?.close();
    }
    const footer = this.footer();
    const tail = Buffer.alloc(8);
    tail.writeUInt32LE(footer.length, 0);
    tail.write('PAR1', 4, 'latin1');
    this.write(footer);
    this.write(tail);
  }

  /** Stop the encoder threads of a sink that will not be finished (an error elsewhere). */
  async abort(): Promise<void> {
    await Promise.allSettled(this.inFlight.splice(0));
    await this.pool?.close();
  }

  private async flushGroup(): Promise<void> {
    const n = this.rows;
    if (n === 0) return;
    if (!this.series) throw new Error('ParquetSink: rows before beginSeries');
    const input: GroupInput = { ...this.current, rows: n, symbol: this.series.symbol, timeframe: this.series.timeframe, seriesColumns: this.opts.seriesColumns };
    this.rows = 0;
    this.rowsWritten += n;
    if (!this.pool) {
      this.writeGroup(this.encoder.encode(input));
      return;
    }
    this.inFlight.push(this.pool.encode(input));
    this.current = newBuffers(this.capacity, this.opts.spread ?? false);
    // At most one group per thread in flight: write the oldest (file order) before filling more.
    while (this.inFlight.length >= this.pool.threads) this.writeGroup(await this.inFlight.shift()!);
  }

  private writeGroup(g: EncodedGroup): void {
    const base = this.pos;
    this.write(g.bytes);
    const columns = g.columns.map((c) => ({
      ...c,
      offset: c.offset + base,
      dataOffset: c.dataOffset + base,
      dictionaryOffset: c.dictionaryOffset === undefined ? undefined : c.dictionaryOffset + base,
    }));
    this.groups.push({ columns, rows: g.rows, offset: base, uncompressed: g.uncompressed, compressed: g.bytes.length });
  }

  private footer(): Uint8Array {
    const o = this.opts;
    const leaves: ((w: CompactWriter) => void)[] = [];
    const stringLeaf = (name: string) => (w: CompactWriter) => w.i32(1, TYPE_BYTE_ARRAY).i32(3, REQUIRED).binary(4, name).i32(6, CONVERTED_UTF8).struct(10, (l) => l.struct(1, () => {}));
    if (o.seriesColumns) leaves.push(stringLeaf('symbol'), stringLeaf('timeframe'));
    leaves.push((w) => {
      w.i32(1, TYPE_INT64).i32(3, REQUIRED).binary(4, 'time');
      // The legacy converted type means "UTC-adjusted": only for UTC stores.
      if (o.utc) w.i32(6, CONVERTED_TIMESTAMP_MILLIS);
      w.struct(10, (l) => l.struct(8, (ts) => ts.bool(1, o.utc).struct(2, (u) => u.struct(1, () => {}))));
    });
    for (const name of doubleColumns(o.spread ?? false)) leaves.push((w) => w.i32(1, TYPE_DOUBLE).i32(3, REQUIRED).binary(4, name));
    const codec = CODEC[o.compression];
    const w = new CompactWriter()
      .i32(1, 1)
      .structs(2, [(s: CompactWriter) => s.binary(4, 'schema').i32(5, leaves.length), ...leaves], (s, leaf) => leaf(s))
      .i64(3, this.rowsWritten)
      .structs(4, this.groups, (g, group) => g
        .structs(1, group.columns, (cc, c) => cc
          .i64(2, c.offset)
          .struct(3, (m) => {
            m.i32(1, c.type).i32s(2, c.encodings).binaries(3, [c.name]).i32(4, codec)
              .i64(5, c.values).i64(6, c.uncompressed).i64(7, c.compressed).i64(9, c.dataOffset);
            if (c.dictionaryOffset !== undefined) m.i64(11, c.dictionaryOffset);
            m.struct(12, (st) => st.binary(1, c.max).binary(2, c.min).i64(3, 0).binary(5, c.max).binary(6, c.min));
          }))
        .i64(2, group.uncompressed)
        .i64(3, group.rows)
        .i64(5, group.offset)
        .i64(6, group.compressed))
      .structs(5, Object.entries(o.metadata), (kv, [key, value]) => kv.binary(1, key).binary(2, value))
      .binary(6, `candlestore version ${o.metadata['candlestore.version'] ?? ''}`.trim())
      // Column orders: min/max follow each type's own order (signed for INT64, numeric for DOUBLE).
      .structs(7, leaves, (co) => co.struct(1, () => {}));
    return w.end();
  }

  private write(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
    this.pos += bytes.length;
  }
}
