// Write one output task to its temp name: every part's committed bars, read in chunks through openStore
// (memory stays flat), encoded as Parquet, CSV or MT4 CSV, then fsynced. The caller renames the temp over
// the target once every output of the build is complete; on failure the temp is removed here.
import { closeSync, createWriteStream, fstatSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { CandleError, CorruptFileError } from '../errors.js';
import { fsyncFd } from '../util/fsx.js';
import { openStore, type BarChunk, type CandleStore } from '../store/open.js';
import { CsvLines } from './csvFormat.js';
import { ParquetSink } from './parquet.js';
import type { OutputTask, SeriesPart } from './plan.js';

/** Bars read per chunk: 1 MiB of records, a few MB of CSV text at most. */
const CHUNK_BARS = 16_384;

export interface OutputResult {
  rows: number;
  bytes: number;
}

export async function writeOutput(task: OutputTask, signal?: AbortSignal): Promise<OutputResult> {
  mkdirSync(dirname(task.temp), { recursive: true });
  let fd: number | undefined;
  try {
    fd = openSync(task.temp, 'wx', 0o644);
    const store = await openStore(task.root, { stage: 'Build' });
    const rows = task.kind === 'parquet'
      ? await writeParquet(store, task, fd, signal)
      : task.compression === 'gzip'
        ? await writeCsvGzip(store, task, fd, signal)
        : await writeCsvPlain(store, task, fd, signal);
    if (rows !== task.rows) throw new CandleError('Build', 'ROWS_CHANGED', `${task.target}: planned ${task.rows} rows, read ${rows}`);
    await fsyncFd(fd);
    const bytes = fstatSync(fd).size;
    closeSync(fd);
    fd = undefined;
    return { rows, bytes };
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(task.temp, { force: true });
    if (err instanceof CandleError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new CandleError('Build', 'IO_ERROR', `cannot write ${task.target}: ${e.message}`, { cause: err }); // e.message names the errno
  }
}

/** Every chunk of every part, in order, checked against the planned snapshot. */
async function* partChunks(store: CandleStore, part: SeriesPart, signal?: AbortSignal): AsyncGenerator<BarChunk> {
  const series = await store.series(part.fileSymbol, part.timeframe);
  try {
    if (series.info.generation !== part.generation || series.count < part.to) {
      // A rebuild replaced the store since the build was planned: its rows are not the planned snapshot's.
      throw new CorruptFileError('Build', series.info.file, `the store changed while exporting (generation ${part.generation} → ${series.info.generation}, ${series.count} bars, ${part.to} planned): run build again`, undefined, 'STORE_CHANGED');
    }
    for await (const chunk of series.chunks({ from: part.from, to: part.to }, CHUNK_BARS)) {
      if (signal?.aborted) throw new CandleError('Build', 'CANCELLED', 'cancelled');
      yield chunk;
    }
  } finally {
    await series.close();
  }
}

async function writeParquet(store: CandleStore, task: OutputTask, fd: number, signal?: AbortSignal): Promise<number> {
  const sink = await ParquetSink.open(fd, { compression: task.compression, utc: task.utc, seriesColumns: task.seriesColumns, metadata: task.metadata });
  for (const part of task.parts) {
    sink.beginSeries(part.fileSymbol, part.timeframe);
    for await (const chunk of partChunks(store, part, signal)) sink.append(chunk);
  }
  sink.finish();
  return sink.rowsWritten;
}

/** CSV text of every part, as latin1 Buffers of about one chunk each. */
async function* csvBuffers(store: CandleStore, task: OutputTask, count: { rows: number }, signal?: AbortSignal): AsyncGenerator<Buffer> {
  if (task.kind === 'csv') yield Buffer.from(CsvLines.header(task.seriesColumns), 'latin1');
  for (const part of task.parts) {
    const lines = new CsvLines(part.decimals, task.kind === 'mt4' ? 'mt4' : 'csv', task.seriesColumns ? { symbol: part.fileSymbol, timeframe: part.timeframe } : undefined);
    for await (const chunk of partChunks(store, part, signal)) {
      count.rows += chunk.count;
      yield Buffer.from(lines.lines(chunk), 'latin1');
    }
  }
}

async function writeCsvPlain(store: CandleStore, task: OutputTask, fd: number, signal?: AbortSignal): Promise<number> {
  const count = { rows: 0 };
  for await (const buf of csvBuffers(store, task, count, signal)) {
    let done = 0;
    while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done);
  }
  return count.rows;
}

async function writeCsvGzip(store: CandleStore, task: OutputTask, fd: number, signal?: AbortSignal): Promise<number> {
  const count = { rows: 0 };
  await pipeline(Readable.from(csvBuffers(store, task, count, signal)), createGzip({ level: 6 }), createWriteStream('', { fd, autoClose: false }));
  return count.rows;
}
