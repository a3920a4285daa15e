// Build a `.bin` file in memory at typed-array speed: records are written through Float64/Uint32 views of
// one aligned buffer (no BigInt, no per-record objects). Transform writes every day file through this;
// field positions come from format.ts.
import { endianness } from 'node:os';
import {
  HEADER_SIZE, RECORD_SIZE, RECORD_WORDS, RECORD_WORDS32, W_CLOSE, W_HIGH, W_LOW, W_OPEN, W_VOLUME,
  W32_SRC_HI, W32_SRC_LO, W32_TS_HI, W32_TS_LO, encodeHeader, type HeaderInit,
} from './format.js';
import { crc32 } from 'node:zlib';

const TWO_32 = 4294967296;
/** 32-bit word holding origin (i16, low half) and flags (u16, high half); then count (u32). */
const W32_ORIGIN_FLAGS = 14;
const W32_COUNT = 15;

if (endianness() !== 'LE') throw new Error('candlestore needs a little-endian CPU (typed-array views write the files as stored)');

export class BinBuilder {
  private readonly bytes: Uint8Array;
  private readonly f64: Float64Array;
  private readonly u32: Uint32Array;
  private n = 0;

  constructor(readonly capacity: number, private readonly header: HeaderInit) {
    const ab = new ArrayBuffer(HEADER_SIZE + capacity * RECORD_SIZE);
    this.bytes = new Uint8Array(ab);
    this.f64 = new Float64Array(ab, HEADER_SIZE);
    this.u32 = new Uint32Array(ab, HEADER_SIZE);
  }

  get count(): number {
    return this.n;
  }

  /** Append one record. ts and src must be safe integers ≥ 0 (epoch ms after 1970, byte positions). */
  push(ts: number, open: number, high: number, low: number, close: number, volume: number, src: number, origin: number, flags: number, count: number): void {
    if (!(ts >= 0 && src >= 0)) throw new RangeError(`record ts ${ts} / src ${src} must be ≥ 0`);
    const i = this.n++;
    const w = i * RECORD_WORDS;
    const f = this.f64;
    f[w + W_OPEN] = open;
    f[w + W_HIGH] = high;
    f[w + W_LOW] = low;
    f[w + W_CLOSE] = close;
    f[w + W_VOLUME] = volume;
    const u = this.u32;
    const w32 = i * RECORD_WORDS32;
    u[w32 + W32_TS_LO] = ts % TWO_32;
    u[w32 + W32_TS_HI] = Math.floor(ts / TWO_32);
    u[w32 + W32_SRC_LO] = src % TWO_32;
    u[w32 + W32_SRC_HI] = Math.floor(src / TWO_32);
    u[w32 + W32_ORIGIN_FLAGS] = (origin & 0xffff) | ((flags & 0xffff) << 16);
    u[w32 + W32_COUNT] = count;
  }

  /** The file so far (header with body_crc of the records + records), as a Buffer over the same memory. */
  finish(): Buffer {
    const file = Buffer.from(this.bytes.buffer, 0, HEADER_SIZE + this.n * RECORD_SIZE);
    file.set(encodeHeader({ ...this.header, bodyCrc: crc32(file.subarray(HEADER_SIZE)) }), 0);
    return file;
  }
}
