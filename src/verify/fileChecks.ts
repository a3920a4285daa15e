// Checks run once per file before the record scan: the index against the file size, the tail record
// against tail_crc, and the CSV mirror against csv_pos and the last record.
import { open } from 'node:fs/promises';
import { CSV_HEADER, CsvFormatter } from '../store/csv.js';
import { HEADER_SIZE, RECORD_SIZE } from '../store/format.js';
import { tailCrcOf } from '../store/indexFormat.js';
import { StoreReader } from '../store/reader.js';
import { fileSize } from '../store/writer.js';
import type { FileCheck, FileContext } from './types.js';

/** Index vs file size: a truncated store (damage), an unrepaired crash tail (warning), stray bytes. */
export const sizeCheck: FileCheck = {
  name: 'size',
  async run(ctx) {
    const ix = ctx.index;
    if (!ix) {
      const stray = (ctx.size - HEADER_SIZE) % RECORD_SIZE;
      if (stray !== 0) ctx.damage('size', `${stray} stray bytes after the last whole record`, ctx.size - stray);
      return;
    }
    if (ctx.size < ix.outPos) {
      ctx.damage('size', `truncated: the file is ${ctx.size} bytes but the index says ${ix.outPos} were committed; run \`candlestore rebuild aggregate\``, ctx.size);
    } else if (ctx.size > ix.outPos) {
      ctx.warn('size', `${ctx.size - ix.outPos} uncommitted bytes past out_pos ${ix.outPos} (an interrupted run; the next aggregate run cuts them off)`, ix.outPos);
    }
  },
};

/** The last committed record must match tail_crc. */
export const tailCheck: FileCheck = {
  name: 'tail',
  async run(ctx) {
    const ix = ctx.index;
    if (!ix || ctx.scanEnd !== ix.outPos) return;
    const last = await lastRecord(ctx);
    if (tailCrcOf(last?.record(0)) !== ix.tailCrc) {
      ctx.damage('tail', `the last committed record does not match the index's tail_crc`, ix.outPos - RECORD_SIZE);
    }
  },
};

/**
 * CSV mirror: size vs csv_pos (shorter = damage, longer = an interrupted run's tail, a warning), its header
 * line, and its last committed line against the store's last record.
 */
export const csvCheck: FileCheck = {
  name: 'csv',
  async run(ctx) {
    const file = ctx.target.csv;
    if (!file) return;
    const size = await fileSize(file);
    const csvPos = ctx.index?.csvPos ?? 0;
    if (csvPos === 0) {
      if (size !== undefined) ctx.warn('csv', `${file} is not recorded in the index (CSV mirror off, or never committed): it may be stale`);
      return;
    }
    if (size === undefined || size < csvPos) {
      ctx.damage('csv', `CSV mirror ${file} is ${size === undefined ? 'missing' : `${size} bytes`} but the index says ${csvPos}; the next aggregate run with the CSV mirror on rewrites it`);
      return;
    }
    if (size > csvPos) ctx.warn('csv', `${size - csvPos} uncommitted bytes past csv_pos ${csvPos} in ${file} (an interrupted run; the next aggregate run cuts them off)`, csvPos);
    if (!ctx.index || ctx.scanEnd !== ctx.index.outPos) return;
    const head = await readSlice(file, 0, Math.min(csvPos, CSV_HEADER.length));
    if (head !== CSV_HEADER) {
      ctx.damage('csv', `${file} does not start with the header line ${JSON.stringify(CSV_HEADER.trim())}`, 0);
      return;
    }
    const last = await lastRecord(ctx);
    const want = last ? new CsvFormatter(ctx.header.decimals).chunk(last) : CSV_HEADER;
    const from = Math.max(0, csvPos - want.length);
    const got = await readSlice(file, from, csvPos - from);
    if (got !== want || (last && from > 0 && (await readSlice(file, from - 1, 1)) !== '\n')) {
      ctx.damage('csv', `the last line of ${file} does not match the store's last record (want ${JSON.stringify(want.trim())})`, from);
    }
  },
};

async function lastRecord(ctx: FileContext) {
  if (ctx.scanEnd <= HEADER_SIZE) return undefined;
  const reader = await StoreReader.open(ctx.target.store, { stage: 'Verify', limit: ctx.scanEnd });
  try {
    return await reader.readRange(reader.recordCount - 1, 1);
  } finally {
    await reader.close();
  }
}

async function readSlice(file: string, pos: number, length: number): Promise<string> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, pos);
    return buf.subarray(0, bytesRead).toString('latin1');
  } finally {
    await fh.close();
  }
}
