// One Parquet row group encoded in memory: the column chunks of one series' rows, with offsets relative to
// the group's first byte (the sink rebases them when it writes the group). A pure function of its input,
// so groups can be encoded on other threads (parquetWorker.ts) and written in order by the sink.
//   column chunk := [dictionary page] data page*      page := PageHeader (thrift compact) compressed body
//   symbol, timeframe: a one-entry dictionary (PLAIN) and RLE_DICTIONARY pages of one run
//   time: DELTA_BINARY_PACKED;  open high low close volume: BYTE_STREAM_SPLIT;  min/max statistics each
// Spec: https://github.com/apache/parquet-format (Encodings.md for DELTA_BINARY_PACKED, BYTE_STREAM_SPLIT).
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import { CompactWriter } from './thrift.js';

/** Values of one data page at most: 1 MiB of doubles, each page compressed on its own. */
const PAGE_ROWS = 131_072;

export type Compression = 'zstd' | 'snappy' | 'gzip' | 'brotli' | 'none';

// parquet.thrift enums
export const TYPE_INT64 = 2;
export const TYPE_DOUBLE = 5;
export const TYPE_BYTE_ARRAY = 6;
export const REQUIRED = 0;
export const CONVERTED_UTF8 = 0;
export const CONVERTED_TIMESTAMP_MILLIS = 9;
const ENC_PLAIN = 0;
const ENC_RLE = 3;
const ENC_DELTA_BINARY_PACKED = 5;
const ENC_RLE_DICTIONARY = 8;
const ENC_BYTE_STREAM_SPLIT = 9;
const PAGE_DATA = 0;
const PAGE_DICTIONARY = 2;
export const CODEC: Record<Compression, number> = { none: 0, snappy: 1, gzip: 2, brotli: 4, zstd: 6 };

export type Compressor = (input: Uint8Array) => Uint8Array;

let zstd: typeof import('@bokuweb/zstd-wasm') | undefined;

/** Node 20's zlib has no zstd: a WebAssembly build of the reference library, loaded once per thread. */
export async function compressorFor(c: Compression): Promise<Compressor> {
  switch (c) {
    case 'zstd': {
      if (!zstd) {
        const mod = await import('@bokuweb/zstd-wasm');
        await mod.init();
        zstd = mod;
      }
      const z = zstd;
      // Level 1: on byte-stream-split doubles 2% larger than level 3 and 10-25% faster (measured).
      return (b) => z.compress(b, 1);
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

export const PRICE_COLUMNS = ['open', 'high', 'low', 'close', 'volume'] as const;
/** The double columns of a file: the five above, and `spread` after them when the export asks for it. */
export function doubleColumns(spread: boolean): readonly string[] {
  return spread ? [...PRICE_COLUMNS, 'spread'] : PRICE_COLUMNS;
}

export interface ChunkMeta {
  name: string;
  type: number;
  encodings: number[];
  /** Offsets relative to the group's start until the sink rebases them. */
  offset: number;
  dictionaryOffset?: number;
  dataOffset: number;
  values: number;
  uncompressed: number;
  compressed: number;
  min: Uint8Array;
  max: Uint8Array;
}

export interface GroupInput {
  /** Bar times (epoch ms) and the five price columns (six with spread); the first `rows` values of each are the group. */
  time: Float64Array;
  prices: Float64Array[];
  rows: number;
  symbol: string;
  timeframe: string;
  seriesColumns: boolean;
}

export interface EncodedGroup {
  bytes: Uint8Array;
  columns: ChunkMeta[];
  rows: number;
  uncompressed: number;
}

export class GroupEncoder {
  private buf = new Uint8Array(1 << 20);
  private pos = 0;
  private readonly scratch = new Uint8Array(PAGE_ROWS * 8 + 64);

  constructor(private readonly compress: Compressor) {}

  encode(g: GroupInput): EncodedGroup {
    this.pos = 0;
    const n = g.rows;
    const columns: ChunkMeta[] = [];
    if (g.seriesColumns) {
      columns.push(this.constantStringColumn('symbol', g.symbol, n));
      columns.push(this.constantStringColumn('timeframe', g.timeframe, n));
    }
    columns.push(this.timeColumn(g.time, n));
    doubleColumns(g.prices.length > PRICE_COLUMNS.length).forEach((name, k) => columns.push(this.doubleColumn(name, g.prices[k], n)));
    return { bytes: this.buf.slice(0, this.pos), columns, rows: n, uncompressed: columns.reduce((s, c) => s + c.uncompressed, 0) };
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

  private timeColumn(time: Float64Array, n: number): ChunkMeta {
    const offset = this.pos;
    let uncompressed = 0;
    for (let from = 0; from < n; from += PAGE_ROWS) {
      const count = Math.min(PAGE_ROWS, n - from);
      uncompressed += this.page(PAGE_DATA, deltaBinaryPacked(time, from, count), count, ENC_DELTA_BINARY_PACKED);
    }
    // Times are strictly increasing within a series: the first is the minimum, the last the maximum.
    return { name: 'time', type: TYPE_INT64, encodings: [ENC_DELTA_BINARY_PACKED], offset, dataOffset: offset, values: n, uncompressed, compressed: this.pos - offset, min: int64Bytes(time[0]), max: int64Bytes(time[n - 1]) };
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
    // Both 32-bit halves of each (little-endian) double, read once: two loads and eight stores a value.
    const words = new Uint32Array(values.buffer, values.byteOffset, n * 2);
    for (let from = 0; from < n; from += PAGE_ROWS) {
      const count = Math.min(PAGE_ROWS, n - from);
      // BYTE_STREAM_SPLIT: byte k of every value, for k = 0..7 (similar bytes together compress far better).
      const out = this.scratch.subarray(0, count * 8);
      const c2 = 2 * count;
      const c3 = 3 * count;
      const c4 = 4 * count;
      const c5 = 5 * count;
      const c6 = 6 * count;
      const c7 = 7 * count;
      for (let i = 0, w = from * 2; i < count; i++, w += 2) {
        const lo = words[w];
        const hi = words[w + 1];
        out[i] = lo & 0xff;
        out[count + i] = (lo >>> 8) & 0xff;
        out[c2 + i] = (lo >>> 16) & 0xff;
        out[c3 + i] = lo >>> 24;
        out[c4 + i] = hi & 0xff;
        out[c5 + i] = (hi >>> 8) & 0xff;
        out[c6 + i] = (hi >>> 16) & 0xff;
        out[c7 + i] = hi >>> 24;
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

  private write(bytes: Uint8Array): void {
    if (this.pos + bytes.length > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + bytes.length));
      next.set(this.buf.subarray(0, this.pos));
      this.buf = next;
    }
    this.buf.set(bytes, this.pos);
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
