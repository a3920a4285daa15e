// The `.bin` candle file format, shared by transform day files, the aggregate store and every resampled
// timeframe. This module is the only place that knows byte offsets; docs/format.md describes the same
// layout for humans. Hand-written on purpose: the fixed-length, cache-line-sized record is the product's
// core (O(1) seek by index, binary search by time, zero-copy typed-array views), not a solved problem.
//
//   file   := header record*
//   header := magic "CNDLSTR\0" (8) | version u16 (=2) | record_size u16 (=64) | decimals u8 | reserved u8
//             | reserved u16 | timeframe char[8] (ASCII, NUL padded) | symbol char[24] (ASCII, NUL padded)
//             | generation u32 | body_crc u32 | definition u32 | header_crc u32 (CRC-32 of bytes 0..59)
//                                                                                     = 64 bytes
//   generation: random non-zero id of this incarnation of a store (0 in day files); every index of the store
//               carries the same value, so a reader never pairs an index with a rebuilt file.
//   body_crc:   CRC-32 of all records of a file written whole (day files); 0 in append-only stores, whose
//               index carries data_crc instead.
//   definition: 32-bit fingerprint of the settings that produced the file (0 = none recorded).
//   record := ts i64 | open f64 | high f64 | low f64 | close f64 | volume f64 | src u64
//             | origin i16 | flags u16 | count u32                                    = 64 bytes
// All integers and floats are little-endian. Record i starts at byte 64·(i+1).
import { randomInt } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { CorruptFileError, type Stage } from '../errors.js';

export const MAGIC = Buffer.from('CNDLSTR\0', 'latin1');
export const FORMAT_VERSION = 2;
export const HEADER_SIZE = 64;
export const RECORD_SIZE = 64;

// Header field offsets.
const H_MAGIC = 0;
const H_VERSION = 8;
const H_RECORD_SIZE = 10;
const H_DECIMALS = 12;
const H_TIMEFRAME = 16;
const H_TIMEFRAME_LEN = 8;
const H_SYMBOL = 24;
const H_SYMBOL_LEN = 24;
const H_GENERATION = 48;
const H_BODY_CRC = 52;
const H_DEFINITION = 56;
const H_CRC = 60;
/** Longest symbol name a header holds (the field is NUL padded). */
export const MAX_HEADER_SYMBOL = H_SYMBOL_LEN - 1;

// Record field offsets (bytes) and the same offsets in 8-byte words for Float64Array/BigInt64Array views.
export const R_TS = 0;
export const R_OPEN = 8;
export const R_HIGH = 16;
export const R_LOW = 24;
export const R_CLOSE = 32;
export const R_VOLUME = 40;
export const R_SRC = 48;
export const R_ORIGIN = 56;
export const R_FLAGS = 58;
export const R_COUNT = 60;
/** Words per record in a Float64Array view (open is word 1 … volume is word 5). */
export const RECORD_WORDS = RECORD_SIZE / 8;

/** Word indexes of fields in a BigInt64Array/Float64Array view of a record (ts and src are integer words). */
export const W_TS = 0;
export const W_OPEN = 1;
export const W_HIGH = 2;
export const W_LOW = 3;
export const W_CLOSE = 4;
export const W_VOLUME = 5;
export const W_SRC = 6;
/** 32-bit words per record, and the low/high halves of ts and src in a Uint32Array/Int32Array view. */
export const RECORD_WORDS32 = RECORD_SIZE / 4;
export const W32_TS_LO = 0;
export const W32_TS_HI = 1;
export const W32_SRC_LO = 12;
export const W32_SRC_HI = 13;

// The hot loops (resample/fold.ts, aggregate/aggregate.ts, the accessors of store/chunk.ts and store/open.ts) write these offsets as literals, which V8 folds
// into their index arithmetic (values read from imported bindings it does not fold, even copied into locals:
// 26 vs 16 ns a row). Changing the layout must break loudly here, not silently there.
if (RECORD_WORDS !== 8 || RECORD_WORDS32 !== 16 || W_OPEN !== 1 || W_HIGH !== 2 || W_LOW !== 3 || W_CLOSE !== 4 || W_VOLUME !== 5
  || W32_TS_LO !== 0 || W32_TS_HI !== 1 || W32_SRC_LO !== 12 || W32_SRC_HI !== 13 || R_ORIGIN !== 56 || R_FLAGS !== 58 || R_COUNT !== 60 || HEADER_SIZE !== 64) {
  throw new Error('record layout changed: update the literal offsets in resample/fold.ts, aggregate/aggregate.ts, store/chunk.ts and store/open.ts');
}

/** Byte position of record `i` (record 0 starts right after the header). */
export function recordPos(i: number): number {
  return HEADER_SIZE + i * RECORD_SIZE;
}

/** Whole records in a file of `size` bytes; a partial trailing record is not counted. */
export function wholeRecords(size: number): number {
  return size <= HEADER_SIZE ? 0 : Math.floor((size - HEADER_SIZE) / RECORD_SIZE);
}

/** True when `pos` is where a record starts or the file could end (64, 128, …). */
export function isRecordBoundary(pos: number): boolean {
  return Number.isSafeInteger(pos) && pos >= HEADER_SIZE && (pos - HEADER_SIZE) % RECORD_SIZE === 0;
}

/**
 * flags bit 0, open: the bar's period had not ended at the clock of the run that wrote it (only resampled
 * bars; at most the last one or two of a file). An open bar is always provisional too.
 */
export const FLAG_OPEN = 1;
/**
 * flags bit 1, provisional: the record lies in the store's provisional tail [final_pos, out_pos) — built
 * from a provisional day (1m) or a bar not yet final (its period not ended, or built from provisional or
 * not-yet-final source rows) — and later runs rewrite it. Records before final_pos never carry it.
 */
export const FLAG_PROVISIONAL = 2;

export interface Header {
  version: number;
  recordSize: number;
  decimals: number;
  timeframe: string;
  symbol: string;
  /** Random non-zero id of this incarnation of a store; 0 in day files. */
  generation: number;
  /** CRC-32 of all records of a file written whole (day files); 0 in append-only stores. */
  bodyCrc: number;
  /** Fingerprint of the settings that produced the file; 0 = none recorded. */
  definition: number;
}

/** What a writer supplies for a header; generation, body_crc and definition default to 0. */
export type HeaderInit = Pick<Header, 'decimals' | 'timeframe' | 'symbol'> & Partial<Pick<Header, 'generation' | 'bodyCrc' | 'definition'>>;

/** A fresh random non-zero generation id for a store file being created. */
export function newGeneration(): number {
  return randomInt(1, 0x1_0000_0000);
}

export interface Candle {
  ts: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** Byte position (or row index, for transform day files) of the first source row. */
  src: number;
  /** Session origin in minutes from midnight that grouped this bar (0 for plain UTC days). */
  origin: number;
  flags: number;
  /** Source rows folded into this bar (1 for 1m rows). */
  count: number;
}

export function encodeHeader(h: HeaderInit): Buffer {
  const buf = Buffer.alloc(HEADER_SIZE);
  MAGIC.copy(buf, H_MAGIC);
  buf.writeUInt16LE(FORMAT_VERSION, H_VERSION);
  buf.writeUInt16LE(RECORD_SIZE, H_RECORD_SIZE);
  buf.writeUInt8(h.decimals, H_DECIMALS);
  writeFixedAscii(buf, H_TIMEFRAME, H_TIMEFRAME_LEN, h.timeframe, 'timeframe');
  writeFixedAscii(buf, H_SYMBOL, H_SYMBOL_LEN, h.symbol, 'symbol');
  buf.writeUInt32LE((h.generation ?? 0) >>> 0, H_GENERATION);
  buf.writeUInt32LE((h.bodyCrc ?? 0) >>> 0, H_BODY_CRC);
  buf.writeUInt32LE((h.definition ?? 0) >>> 0, H_DEFINITION);
  buf.writeUInt32LE(crc32(buf.subarray(0, H_CRC)), H_CRC);
  return buf;
}

/**
 * Decode and validate a header. `expect` fields, when given, must match (a store of the wrong symbol or
 * timeframe is refused, not read). Errors name the file and say what was wrong.
 */
export function decodeHeader(buf: Uint8Array, file: string, stage: Stage, expect: Partial<Pick<Header, 'symbol' | 'timeframe'>> = {}): Header {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < HEADER_SIZE) throw new CorruptFileError(stage, file, `file too short for a header (${b.length} of ${HEADER_SIZE} bytes)`, 0, 'BAD_HEADER');
  if (!b.subarray(H_MAGIC, H_MAGIC + 8).equals(MAGIC)) throw new CorruptFileError(stage, file, 'not a candlestore file (bad magic)', 0, 'BAD_HEADER');
  const version = b.readUInt16LE(H_VERSION);
  if (version !== FORMAT_VERSION) {
    const advice = version < FORMAT_VERSION ? '; it was written by an older candlestore: run `candlestore rebuild full` to rewrite the derived files' : '';
    throw new CorruptFileError(stage, file, `unsupported format version ${version} (this build reads ${FORMAT_VERSION})${advice}`, H_VERSION, 'BAD_HEADER');
  }
  const recordSize = b.readUInt16LE(H_RECORD_SIZE);
  if (recordSize !== RECORD_SIZE) throw new CorruptFileError(stage, file, `record size ${recordSize}, expected ${RECORD_SIZE}`, H_RECORD_SIZE, 'BAD_HEADER');
  if (b.readUInt32LE(H_CRC) !== crc32(b.subarray(0, H_CRC))) throw new CorruptFileError(stage, file, 'header checksum mismatch', H_CRC, 'BAD_HEADER');
  const header: Header = {
    version,
    recordSize,
    decimals: b.readUInt8(H_DECIMALS),
    timeframe: readFixedAscii(b, H_TIMEFRAME, H_TIMEFRAME_LEN),
    symbol: readFixedAscii(b, H_SYMBOL, H_SYMBOL_LEN),
    generation: b.readUInt32LE(H_GENERATION),
    bodyCrc: b.readUInt32LE(H_BODY_CRC),
    definition: b.readUInt32LE(H_DEFINITION),
  };
  if (expect.symbol !== undefined && header.symbol !== expect.symbol) {
    throw new CorruptFileError(stage, file, `holds symbol ${header.symbol}, expected ${expect.symbol}`, H_SYMBOL, 'WRONG_SYMBOL');
  }
  if (expect.timeframe !== undefined && header.timeframe !== expect.timeframe) {
    throw new CorruptFileError(stage, file, `holds timeframe ${header.timeframe}, expected ${expect.timeframe}`, H_TIMEFRAME, 'WRONG_TIMEFRAME');
  }
  return header;
}

/** Write one record at byte `at` of `buf`. */
export function writeRecord(buf: Buffer, at: number, c: Candle): void {
  buf.writeBigInt64LE(BigInt(c.ts), at + R_TS);
  buf.writeDoubleLE(c.open, at + R_OPEN);
  buf.writeDoubleLE(c.high, at + R_HIGH);
  buf.writeDoubleLE(c.low, at + R_LOW);
  buf.writeDoubleLE(c.close, at + R_CLOSE);
  buf.writeDoubleLE(c.volume, at + R_VOLUME);
  buf.writeBigUInt64LE(BigInt(c.src), at + R_SRC);
  buf.writeInt16LE(c.origin, at + R_ORIGIN);
  buf.writeUInt16LE(c.flags, at + R_FLAGS);
  buf.writeUInt32LE(c.count, at + R_COUNT);
}

/** Read one record at byte `at` of `buf`. */
export function readRecord(buf: Buffer, at: number): Candle {
  return {
    ts: Number(buf.readBigInt64LE(at + R_TS)),
    open: buf.readDoubleLE(at + R_OPEN),
    high: buf.readDoubleLE(at + R_HIGH),
    low: buf.readDoubleLE(at + R_LOW),
    close: buf.readDoubleLE(at + R_CLOSE),
    volume: buf.readDoubleLE(at + R_VOLUME),
    src: Number(buf.readBigUInt64LE(at + R_SRC)),
    origin: buf.readInt16LE(at + R_ORIGIN),
    flags: buf.readUInt16LE(at + R_FLAGS),
    count: buf.readUInt32LE(at + R_COUNT),
  };
}

/** Encode a whole file (header + records) into one buffer. */
export function encodeFile(header: HeaderInit, candles: readonly Candle[]): Buffer {
  const buf = Buffer.allocUnsafe(HEADER_SIZE + candles.length * RECORD_SIZE);
  for (let i = 0; i < candles.length; i++) writeRecord(buf, HEADER_SIZE + i * RECORD_SIZE, candles[i]);
  encodeHeader({ ...header, bodyCrc: header.bodyCrc ?? crc32(buf.subarray(HEADER_SIZE)) }).copy(buf, 0);
  return buf;
}

/** CRC-32 of the records after the header of a whole file in `buf` (what body_crc holds for day files). */
export function bodyCrcOf(buf: Uint8Array): number {
  return crc32(buf.subarray(HEADER_SIZE));
}

/** Decode a whole in-memory file; its length must be a whole number of records. */
export function decodeFile(buf: Buffer, file: string, stage: Stage, expect: Partial<Pick<Header, 'symbol' | 'timeframe'>> = {}): { header: Header; candles: Candle[] } {
  const header = decodeHeader(buf, file, stage, expect);
  const body = buf.length - HEADER_SIZE;
  if (body % RECORD_SIZE !== 0) {
    throw new CorruptFileError(stage, file, `truncated: ${body % RECORD_SIZE} stray bytes after the last whole record`, buf.length - (body % RECORD_SIZE), 'TRUNCATED');
  }
  const candles: Candle[] = [];
  for (let at = HEADER_SIZE; at < buf.length; at += RECORD_SIZE) candles.push(readRecord(buf, at));
  return { header, candles };
}

function writeFixedAscii(buf: Buffer, at: number, len: number, text: string, what: string): void {
  if (!/^[\x20-\x7e]*$/.test(text) || text.length >= len) throw new RangeError(`${what} ${JSON.stringify(text)} does not fit ${len - 1} ASCII bytes`);
  buf.write(text, at, 'latin1');
}

function readFixedAscii(buf: Buffer, at: number, len: number): string {
  const raw = buf.subarray(at, at + len);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? len : end).toString('latin1');
}
