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
// Spec: https://github.com/apache/parquet-format (Encodings.md for DELTA_BINARY_PACKED, BYTE_STREAM_SPLIT).
import { writeSync } from 'node:fs';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import type { BarChunk } from '../store/open.js';
import { CompactWriter } from './thrift.js';

/**
 * Rows of one row group at most: the bound is 1M; 256 Ki rows keep the column buffers at 12 MiB
 * (memory flat whatever the export) and give engines finer time statistics to prune by.
 */
export const ROW_GROUP_ROWS = 262_144;
/** Values of one data page at most: 1 MiB of doubles, each page compressed on its own. */
const PAGE_ROWS = 131_072;

export type Compression = 'zstd' | 'snappy' | 'gzip' | 'brotli' | 'none';

// parquet.thrift enums
const TYPE_INT64 = 2;
const TYPE_DOUBLE = 5;
const TYPE_BYTE_ARRAY = 6;
const REQUIRED = 0;
const CONVERTED_UTF8 = 0;
const CONVERTED_TIMESTAMP_MILLIS = 9;
const ENC_PLAIN = 0;
const ENC_RLE = 3;
const ENC_DELTA_BINARY_PACKED = 5;
const ENC_RLE_DICTIONARY = 8;
const ENC_BYTE_STREAM_SPLIT = 9;
const PAGE_DATA = 0;
const PAGE_DICTIONARY = 2;
const CODEC: Record<Compression, number> = { none: 0, snappy: 1, gzip: 2, brotli: 4, zstd: 6 };

type Compressor = (input: Uint8Array) => Uint8Array;

let zstd: typeof import('@bokuweb/zstd-wasm') | undefined;

/** Node 20's zlib has no zstd: a WebAssembly build of the reference library, loaded once per thread. */
async function compressorFor(c: Compression): Promise<Compressor> {
  switch (c) {
    case 'zstd': {
      if (!zstd) {
        const mod = await import('@bokuweb/zstd-wasm');
        await mod.init();
        zstd = mod;
      }
      const z = zstd;
      return (b) => z.compress(b, 3);
    }
    case 'snappy': {
      // hyparquet-writer's snappy encoder (a port of snappyjs); its package exports only the writer, so the
      // module is addressed beside the resolved entry point.
      const url = new URL('./snappy.js', import.meta.resolve('hyparquet-writer'));
      const { snappyCompress } = (await import(url.href)) as { snappyCompress: Compressor };
      return snappyCompress;
    }
    case 'gzip':
      return (b) => gzipSync(b);
    case 'brotli':
      // Quality 11 (the default) is for static assets: many times slower than 5 for a few % of size.
      return (b) => brotliCompressSync(b, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 } });
    case 'none':
      return (b) => b;
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

interface ChunkMeta {
  name: string;
  type: number;
  encodings: number[];
  offset: number;
  dictionaryOffset?: number;
  dataOffset: number;
  values: number;
  uncompressed: number;
  compressed: number;
  min: Uint8Array;
  max: Uint8Array;
}

interface GroupMeta {
  columns: ChunkMeta[];
  rows: number;
  offset: number;
  uncompressed: number;
  compressed: number;
}

const PRICE_COLUMNS = ['open', 'high', 'low', 'close', 'volume'] as const;

export class ParquetSink {
  private readonly time = new Float64Array(ROW_GROUP_ROWS);
  private readonly prices = PRICE_COLUMNS.map(() => new Float64Array(ROW_GROUP_ROWS));
  private rows = 0;
  private pos = 0;
  private series: { symbol: string; timeframe: string } | undefined;
  private readonly groups: GroupMeta[] = [];
  private readonly scratch = new Uint8Array(PAGE_ROWS * 8 + 64);
  rowsWritten = 0;

  private constructor(private readonly fd: number, private readonly opts: ParquetOptions, private readonly compress: Compressor) {
    this.write(Buffer.from('PAR1', 'latin1'));
  }

  static async open(fd: number, opts: ParquetOptions): Promise<ParquetSink> {
    return new ParquetSink(fd, opts, await compressorFor(opts.compression));
  }

  /** Start the rows of another series: the current row group ends here. */
  beginSeries(symbol: string, timeframe: string): void {
    this.flushGroup();
    this.series = { symbol, timeframe };
  }

  /** Append bars [from, to) of `chunk` (of the current series). */
  append(chunk: BarChunk, from = 0, to = chunk.count): void {
    const f64 = chunk.records.f64;
    const time = this.time;
    const [o, h, l, c, v] = this.prices;
    for (let i = from; i < to;) {
      const n = Math.min(to - i, ROW_GROUP_ROWS - this.rows);
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
      this.rows += n;
      i += n;
      if (this.rows === ROW_GROUP_ROWS) this.flushGroup();
    }
  }

  /** Write the footer; the caller fsyncs and closes the descriptor. */
  finish(): void {
    this.flushGroup();
    const footer = this.footer();
    const tail = Buffer.alloc(8);
    tail.writeUInt32LE(footer.length, 0);
    tail.write('PAR1', 4, 'latin1');
    this.write(footer);
    this.write(tail);
  }

  private flushGroup(): void {
    const n = this.rows;
    if (n === 0) return;
    if (!this.series) throw new Error('ParquetSink: rows before beginSeries');
    const start = this.pos;
    const columns: ChunkMeta[] = [];
    if (this.opts.seriesColumns) {
      columns.push(this.constantStringColumn('symbol', this.series.symbol, n));
      columns.push(this.constantStringColumn('timeframe', this.series.timeframe, n));
    }
    columns.push(this.timeColumn(n));
    PRICE_COLUMNS.forEach((name, k) => columns.push(this.doubleColumn(name, this.prices[k], n)));
    this.groups.push({
      columns,
      rows: n,
      offset: start,
      uncompressed: columns.reduce((s, c) => s + c.uncompressed, 0),
      compressed: this.pos - start,
    });
    this.rowsWritten += n;
    this.rows = 0;
  }

  /** A column that holds one string for the whole row group: a one-entry dictionary and one RLE run. */
  private constantStringColumn(name: string, value: string, n: number): ChunkMeta {
    const offset = this.pos;
    const bytes = Buffer.from(value, 'utf8');
    const dict = Buffer.alloc(4 + bytes.length);
    dict.writeUInt32LE(bytes.length, 0);
    bytes.copy(dict, 4);
    let uncompressed = this.page(PAGE_DICTIONARY, dict, 1, ENC_PLAIN);
    const dataOffset = this.pos;
    for (let from = 0; from < n; from += PAGE_ROWS) {
      const count = Math.min(PAGE_ROWS, n - from);
      // RLE_DICTIONARY data: bit width 1, then one RLE run (header = count << 1) of the value 0.
      const body = [1, ...varintBytes(count * 2), 0];
      uncompressed += this.page(PAGE_DATA, Uint8Array.from(body), count, ENC_RLE_DICTIONARY);
    }
    return { name, type: TYPE_BYTE_ARRAY, encodings: [ENC_PLAIN, ENC_RLE, ENC_RLE_DICTIONARY], offset, dictionaryOffset: offset, dataOffset, values: n, uncompressed, compressed: this.pos - offset, min: bytes, max: bytes };
  }

  private timeColumn(n: number): ChunkMeta {
    const offset = this.pos;
    let uncompressed = 0;
    for (let from = 0; from < n; from += PAGE_ROWS) {
      const count = Math.min(PAGE_ROWS, n - from);
      uncompressed += this.page(PAGE_DATA, deltaBinaryPacked(this.time, from, count), count, ENC_DELTA_BINARY_PACKED);
    }
    // Times are strictly increasing within a series: the first is the minimum, the last the maximum.
    return { name: 'time', type: TYPE_INT64, encodings: [ENC_DELTA_BINARY_PACKED], offset, dataOffset: offset, values: n, uncompressed, compressed: this.pos - offset, min: int64Bytes(this.time[0]), max: int64Bytes(this.time[n - 1]) };
  }

  private doubleColumn(name: string, values: Float64Array, n: number): ChunkMeta {
    const offset = this.pos;
    let uncompressed = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const bytes = new Uint8Array(values.buffer, values.byteOffset, n * 8);
    for (let from = 0; from < n; from += PAGE_ROWS) {
      const count = Math.min(PAGE_ROWS, n - from);
      // BYTE_STREAM_SPLIT: byte k of every value, for k = 0..7 (similar bytes together compress far better).
      const out = this.scratch.subarray(0, count * 8);
      const base = from * 8;
      for (let k = 0; k < 8; k++) {
        const o = k * count;
        for (let i = 0; i < count; i++) out[o + i] = bytes[base + i * 8 + k];
      }
      uncompressed += this.page(PAGE_DATA, out, count, ENC_BYTE_STREAM_SPLIT);
    }
    return { name, type: TYPE_DOUBLE, encodings: [ENC_BYTE_STREAM_SPLIT], offset, dataOffset: offset, values: n, uncompressed, compressed: this.pos - offset, min: doubleBytes(min), max: doubleBytes(max) };
  }

  /** Compress and write one page with its header; returns its uncompressed size (header included). */
  private page(type: number, body: Uint8Array, values: number, encoding: number): number {
    const packed = this.compress(body);
    const h = new CompactWriter().i32(1, type).i32(2, body.length).i32(3, packed.length);
    if (type === PAGE_DICTIONARY) h.struct(7, (w) => w.i32(1, values).i32(2, encoding));
    else h.struct(5, (w) => w.i32(1, values).i32(2, encoding).i32(3, ENC_RLE).i32(4, ENC_RLE));
    const header = h.end();
    this.write(header);
    this.write(packed);
    return header.length + body.length;
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
    for (const name of PRICE_COLUMNS) leaves.push((w) => w.i32(1, TYPE_DOUBLE).i32(3, REQUIRED).binary(4, name));
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

/**
 * DELTA_BINARY_PACKED of `count` integers from values[from]: header (block size 128, 4 miniblocks of 32,
 * count, first value), then per block the minimum delta and each miniblock's deltas minus it, bit-packed
 * little-endian at the miniblock's bit width (no bytes at width 0: the common case of evenly spaced bars).
 * Deltas stay below 2^53 (times in ms), so plain arithmetic; widths up to 32 take a 32-bit fast path.
 */
export function deltaBinaryPacked(values: Float64Array, from: number, count: number): Uint8Array {
  // Worst case: 64-bit widths for every value, plus a few varints per block.
  const out = new Uint8Array(32 + Math.ceil(count / 128) * (10 + 4 + 128 * 8));
  let p = putVarint(out, 0, 128);
  p = putVarint(out, p, 4);
  p = putVarint(out, p, count);
  p = putVarint(out, p, zigzagNumber(values[from]));
  const deltas = new Float64Array(128);
  for (let b = from + 1; b < from + count; b += 128) {
    const n = Math.min(128, from + count - b);
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const d = values[b + i] - values[b + i - 1];
      deltas[i] = d;
      if (d < min) min = d;
    }
    p = putVarint(out, p, zigzagNumber(min));
    const widthsAt = p;
    p += 4;
    for (let m = 0; m < 4; m++) {
      const start = m * 32;
      let w = 0;
      if (start < n) {
        let max = 0;
        const end = Math.min(n, start + 32);
        for (let i = start; i < end; i++) max = Math.max(max, deltas[i] - min);
        w = bitWidth(max);
      }
      out[widthsAt + m] = w;
      if (start >= n || w === 0) continue;
      // Zero-filled output: bits are ORed in, the padding of a short last miniblock stays 0.
      if (w <= 32) {
        let bit = 0;
        for (let i = start; i < Math.min(n, start + 32); i++, bit += w) {
          let v = deltas[i] - min;
          let at = p + (bit >> 3);
          let shift = bit & 7;
          let left = w;
          while (left > 0) {
            out[at++] |= (v * (1 << shift)) & 0xff;
            const used = 8 - shift;
            v = Math.floor(v / (1 << used));
            left -= used;
            shift = 0;
          }
        }
      } else {
        let bit = 0;
        for (let i = start; i < Math.min(n, start + 32); i++) {
          const v = deltas[i] - min;
          const lo = v % 4294967296;
          bit = putBits(out, p, bit, lo, 32);
          bit = putBits(out, p, bit, (v - lo) / 4294967296, w - 32);
        }
      }
      p += 4 * w;
    }
  }
  return out.subarray(0, p);
}

function putBits(out: Uint8Array, base: number, bit: number, value: number, n: number): number {
  let v = value;
  let left = n;
  while (left > 0) {
    const shift = bit & 7;
    const take = Math.min(8 - shift, left);
    out[base + (bit >> 3)] |= (v % (1 << take)) << shift;
    v = Math.floor(v / (1 << take));
    left -= take;
    bit += take;
  }
  return bit;
}

function putVarint(out: Uint8Array, p: number, v: number): number {
  while (v >= 0x80) {
    out[p++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  out[p++] = v;
  return p;
}

function bitWidth(v: number): number {
  let w = 0;
  while (v >= 1) {
    w++;
    v = Math.floor(v / 2);
  }
  return w;
}

function zigzagNumber(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

function varintBytes(v: number): number[] {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function int64Bytes(v: number): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(BigInt(v));
  return b;
}

function doubleBytes(v: number): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return b;
}
