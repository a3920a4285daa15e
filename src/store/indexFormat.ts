// The `.idx` pointer file: one fixed 64-byte record saying how far a store is committed and how far its
// input was consumed. Aggregate uses it for `data/aggregate/1m/index/SYMBOL.idx`; resample uses the same
// struct for its per-timeframe index (in_pos/out_pos into a source store; last_date is 0 there: the
// timeframe's definition fingerprint is in the store's header). docs/format.md describes the same bytes for
// humans; this module is the only code that knows them.
//
//   index := magic "CNDLIDX\0" (8) | version u16 (=2) | reserved u16 (0) | last_date u32 | in_pos u64
//            | out_pos u64 | csv_pos u64 | tail_crc u32 | data_crc u32 | final_pos u64 | generation u32
//            | index_crc u32 (CRC-32 of bytes 0..59)                                   = 64 bytes
// All fields little-endian. The file is only ever replaced whole (temp + fsync + rename), never edited.
import { crc32 } from 'node:zlib';
import { CorruptFileError, type Stage } from '../errors.js';
import { HEADER_SIZE, RECORD_SIZE, isRecordBoundary } from './format.js';

export const INDEX_MAGIC = Buffer.from('CNDLIDX\0', 'latin1');
export const INDEX_VERSION = 2;
export const INDEX_SIZE = 64;

const I_MAGIC = 0;
const I_VERSION = 8;
const I_LAST_DATE = 12;
const I_IN_POS = 16;
const I_OUT_POS = 24;
const I_CSV_POS = 32;
const I_TAIL_CRC = 40;
const I_DATA_CRC = 44;
const I_FINAL_POS = 48;
const I_GENERATION = 56;
const I_CRC = 60;

export interface StoreIndex {
  /** Aggregate: YYYYMMDD of the last final day appended (the day that ends the final records). Resample: 0. */
  lastDate: number;
  /**
   * Aggregate: size of last_date's day file. Resample: byte position in the source store of the first row of
   * the first provisional bar (at most the source's final_pos); each run folds the source from there.
   */
  inPos: number;
  /** Size of the store after the last committed append: readers never look past it. */
  outPos: number;
  /** Byte size of the CSV mirror at that commit; 0 when there is no mirror. */
  csvPos: number;
  /** CRC-32 of the provisional tail, store bytes final_pos..out_pos (0 when the tail is empty). */
  tailCrc: number;
  /** Running CRC-32 of the final records, bytes 64..final_pos (0 when none), extended with zlib.crc32(data, prev). */
  dataCrc: number;
  /**
   * End of the final records: [64, final_pos) is closed history that is never rewritten while the store keeps
   * its generation; [final_pos, out_pos) is the provisional tail, rewritten by runs: in the 1m store every
   * record from the first provisional day (data/temp) on; in a timeframe every bar whose period had not
   * ended at the run's clock or that source rows not yet final could still change (docs/format.md §10).
   */
  finalPos: number;
  /** The store header's generation: an index is only valid for the file incarnation with the same id. */
  generation: number;
}

/** The index of a store that holds only its header. */
export const EMPTY_INDEX: Readonly<StoreIndex> = Object.freeze({ lastDate: 0, inPos: 0, outPos: HEADER_SIZE, csvPos: 0, tailCrc: 0, dataCrc: 0, finalPos: HEADER_SIZE, generation: 0 });

export function encodeIndex(ix: StoreIndex): Buffer {
  const buf = Buffer.alloc(INDEX_SIZE);
  INDEX_MAGIC.copy(buf, I_MAGIC);
  buf.writeUInt16LE(INDEX_VERSION, I_VERSION);
  buf.writeUInt32LE(ix.lastDate, I_LAST_DATE);
  buf.writeBigUInt64LE(BigInt(ix.inPos), I_IN_POS);
  buf.writeBigUInt64LE(BigInt(ix.outPos), I_OUT_POS);
  buf.writeBigUInt64LE(BigInt(ix.csvPos), I_CSV_POS);
  buf.writeUInt32LE(ix.tailCrc >>> 0, I_TAIL_CRC);
  buf.writeUInt32LE(ix.dataCrc >>> 0, I_DATA_CRC);
  buf.writeBigUInt64LE(BigInt(ix.finalPos), I_FINAL_POS);
  buf.writeUInt32LE(ix.generation >>> 0, I_GENERATION);
  buf.writeUInt32LE(crc32(buf.subarray(0, I_CRC)), I_CRC);
  return buf;
}

/** Decode and validate an index; anything off is a CorruptFileError (code BAD_INDEX) naming the file. */
export function decodeIndex(buf: Uint8Array, file: string, stage: Stage): StoreIndex {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const bad = (msg: string, at?: number) => new CorruptFileError(stage, file, msg, at, 'BAD_INDEX');
  if (b.length !== INDEX_SIZE) throw bad(`index is ${b.length} bytes, expected ${INDEX_SIZE}`);
  if (!b.subarray(I_MAGIC, I_MAGIC + 8).equals(INDEX_MAGIC)) throw bad('not a candlestore index (bad magic)', 0);
  const version = b.readUInt16LE(I_VERSION);
  if (version !== INDEX_VERSION) {
    const advice = version < INDEX_VERSION ? '; it was written by an older candlestore: run `candlestore rebuild full`' : '';
    throw bad(`unsupported index version ${version} (this build reads ${INDEX_VERSION})${advice}`, I_VERSION);
  }
  if (b.readUInt32LE(I_CRC) !== crc32(b.subarray(0, I_CRC))) throw bad('index checksum mismatch', I_CRC);
  const ix: StoreIndex = {
    lastDate: b.readUInt32LE(I_LAST_DATE),
    inPos: readU64(b, I_IN_POS, bad),
    outPos: readU64(b, I_OUT_POS, bad),
    csvPos: readU64(b, I_CSV_POS, bad),
    tailCrc: b.readUInt32LE(I_TAIL_CRC),
    dataCrc: b.readUInt32LE(I_DATA_CRC),
    finalPos: readU64(b, I_FINAL_POS, bad),
    generation: b.readUInt32LE(I_GENERATION),
  };
  if (!isRecordBoundary(ix.outPos)) throw bad(`out_pos ${ix.outPos} is not a record boundary (64 + k·${RECORD_SIZE})`, I_OUT_POS);
  if (!isRecordBoundary(ix.finalPos) || ix.finalPos > ix.outPos) throw bad(`final_pos ${ix.finalPos} is not a record boundary at or before out_pos ${ix.outPos}`, I_FINAL_POS);
  return ix;
}

/** CRC-32 stored as tail_crc for a store whose last record is `record` (64 bytes). */
export function tailCrcOf(record: Uint8Array | undefined): number {
  return record === undefined ? 0 : crc32(record);
}

function readU64(b: Buffer, at: number, bad: (msg: string, at?: number) => Error): number {
  const v = b.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw bad(`position ${v} out of range`, at);
  return Number(v);
}
