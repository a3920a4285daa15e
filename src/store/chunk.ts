// A run of whole records read into one Buffer, with typed-array views over the same memory (no copy):
// `f64` for prices and volume, `i64` for ts and src as BigInt, and fast number accessors that read the
// 64-bit integers as two 32-bit halves (no BigInt on the hot path). Field positions come from format.ts.
import { endianness } from 'node:os';
import { HEADER_SIZE, RECORD_SIZE, RECORD_WORDS, RECORD_WORDS32, readRecord, type Candle } from './format.js';

// Typed arrays use the CPU's byte order; the files are little-endian. Every platform Node ships for is LE.
const LITTLE_ENDIAN = endianness() === 'LE';
const TWO_32 = 4294967296;

export class RecordChunk {
  /** The records' bytes (a whole number of records). */
  readonly buf: Buffer;
  /** Byte position in the file of the first record. */
  readonly startPos: number;
  readonly count: number;
  /** Float64 view: record i's open is f64[i·8 + W_OPEN] (see format.ts W_*). */
  readonly f64: Float64Array;
  /** BigInt64 view: record i's ts is i64[i·8 + W_TS]. */
  readonly i64: BigInt64Array;
  /** Uint32 view: record i's src is u32[i·16 + 13]·2³² + u32[i·16 + 12] (format.ts W32_*). */
  readonly u32: Uint32Array;
  /** Int32 view: record i's ts is i32[i·16 + 1]·2³² + u32[i·16] (a signed high half). */
  readonly i32: Int32Array;

  constructor(buf: Buffer, startPos: number) {
    if (!LITTLE_ENDIAN) throw new Error('candlestore needs a little-endian CPU (typed-array views read the files as stored)');
    if (buf.length % RECORD_SIZE !== 0) throw new RangeError(`chunk of ${buf.length} bytes is not a whole number of ${RECORD_SIZE}-byte records`);
    // Views need 8-byte alignment; buffers from the reader are, anything else is copied once.
    const b = buf.byteOffset % 8 === 0 ? buf : Buffer.from(buf);
    this.buf = b;
    this.startPos = startPos;
    this.count = b.length / RECORD_SIZE;
    this.f64 = new Float64Array(b.buffer, b.byteOffset, this.count * RECORD_WORDS);
    this.i64 = new BigInt64Array(b.buffer, b.byteOffset, this.count * RECORD_WORDS);
    this.u32 = new Uint32Array(b.buffer, b.byteOffset, this.count * RECORD_WORDS32);
    this.i32 = new Int32Array(b.buffer, b.byteOffset, this.count * RECORD_WORDS32);
  }

  /** Index in the file of the first record. */
  get firstIndex(): number { return (this.startPos - HEADER_SIZE) / RECORD_SIZE; }
  /** Byte position just past the last record. */
  get endPos(): number { return this.startPos + this.buf.length; }
  /** Byte position in the file of record i of this chunk. */
  posOf(i: number): number { return this.startPos + i * RECORD_SIZE; }

  ts(i: number): number {
    const w = i * 16;
    return this.i32[w + 1] * TWO_32 + this.u32[w];
  }
  // Offsets as literals (format.ts W_* / W32_*, checked there): V8 folds literals into the index arithmetic
  // but not imported constants, which made a scan reading every field 1.35× slower.
  open(i: number): number { return this.f64[i * 8 + 1]; }
  high(i: number): number { return this.f64[i * 8 + 2]; }
  low(i: number): number { return this.f64[i * 8 + 3]; }
  close(i: number): number { return this.f64[i * 8 + 4]; }
  volume(i: number): number { return this.f64[i * 8 + 5]; }
  src(i: number): number {
    const w = i * 16;
    return this.u32[w + 13] * TWO_32 + this.u32[w + 12];
  }
  /** Overwrite record i's src (a non-negative safe integer) in place. */
  setSrc(i: number, value: number): void {
    const w = i * 16;
    this.u32[w + 12] = value >>> 0;
    this.u32[w + 13] = Math.floor(value / TWO_32);
  }
  /** The raw 64 bytes of record i (a view, not a copy). */
  record(i: number): Buffer { return this.buf.subarray(i * RECORD_SIZE, (i + 1) * RECORD_SIZE); }
  /** Record i decoded to an object (convenient, slower than the accessors). */
  candle(i: number): Candle { return readRecord(this.buf, i * RECORD_SIZE); }
  candles(): Candle[] {
    const out: Candle[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.candle(i));
    return out;
  }
}
