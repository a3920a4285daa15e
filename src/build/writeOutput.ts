// Write one output task to its temp name: every part's committed bars, read in chunks through openStore
// (memory stays flat), encoded as Parquet, CSV or MT4 CSV. The caller fsyncs every temp of the build
// together (one journal commit for many files, not one each), then renames them over their targets; on
// failure the temp is removed here.
import { closeSync, createWriteStream, fstatSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { CandleError, CorruptFileError, InterruptedError } from '../errors.js';
import { openStore, type CandleStore, type Series } from '../store/open.js';
import { CsvEncoder, csvHeader } from './csvFormat.js';
import { ParquetSink } from './parquet.js';
import type { OutputTask, ReadMode, SeriesPart } from './plan.js';
import { emptyOneSided, pairedChunks, sideDecimals, type PairedChunk } from '../store/sides.js';

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

/** A rebuild replaced the store since the build was planned: its rows are not the planned snapshot's. */
function checkSnapshot(series: Series, generation: number, to: number): void {
  if (series.info.generation !== generation || series.count < to) {
    throw new CorruptFileError('Build', series.info.file, `the store changed while exporting (generation ${generation} → ${series.info.generation}, ${series.count} bars, ${to} planned): run build again`, undefined, 'STORE_CHANGED');
  }
}

/**
 * Every chunk of every part, in order, checked against the planned snapshot; for a paired part (mid or
 * spread) the merged scan of both sides (store/sides.ts), with the spread of each bar.
 */
async function* partChunks(store: CandleStore, part: SeriesPart, read: ReadMode, signal?: AbortSignal): AsyncGenerator<PairedChunk> {
  const series = await store.series(part.fileSymbol, part.timeframe, part.ask ? 'ASK' : 'BID');
  try {
    checkSnapshot(series, part.generation, part.to);
    if (part.paired) {
      const ask = await store.series(part.fileSymbol, part.timeframe, 'ASK');
      try {
        checkSnapshot(ask, part.paired.generation, part.paired.to);
        const oneSided = emptyOneSided();
        const ranges = { from: part.from, to: part.to };
        for await (const p of pairedChunks(series, ranges, ask, { from: part.paired.from, to: part.paired.to }, { side: read.side, spread: read.spread, chunkBars: CHUNK_BARS, oneSided, signal })) {
          if (signal?.aborted) throw new InterruptedError('Build');
          yield p;
        }
      } finally {
        await ask.close();
      }
      return;
    }
    // scan: one reused buffer; every sink encodes or copies a chunk before asking for the next.
    for await (const chunk of series.scan({ from: part.from, to: part.to }, CHUNK_BARS)) {
      if (signal?.aborted) throw new InterruptedError('Build');
      yield { chunk, spread: undefined };
    }
  } finally {
    await series.close();
  }
}

async function writeParquet(store: CandleStore, task: OutputTask, fd: number, signal?: AbortSignal): Promise<number> {
  const sink = await ParquetSink.open(fd, { compression: task.compression, utc: task.utc, seriesColumns: task.seriesColumns, metadata: task.metadata, encodeThreads: task.encodeThreads, rows: task.rows, spread: task.read.spread });
  try {
    for (const part of task.parts) {
      await sink.beginSeries(part.fileSymbol, part.timeframe);
      for await (const { chunk, spread } of partChunks(store, part, task.read, signal)) await sink.append(chunk, 0, chunk.count, spread);
    }
    await sink.finish();
  } catch (err) {
    await sink.abort();
    throw err;
  }
  return sink.rowsWritten;
}

/** The CSV bytes of every part in order: `emit` gets each filled buffer (valid only during the call). */
async function encodeCsv(store: CandleStore, task: OutputTask, emit: (bytes: Buffer) => void, afterChunk: () => Promise<void>, signal?: AbortSignal): Promise<number> {
  let rows = 0;
  if (task.header) emit(Buffer.from(csvHeader(task.seriesColumns, task.read.spread), 'latin1'));
  for (const part of task.parts) {
    // Mid prices have one decimal more than the store (store/sides.ts); the spread has the store's.
    const enc = new CsvEncoder(sideDecimals(task.read.side, part.decimals), task.kind === 'mt4' ? 'mt4' : 'csv', task.seriesColumns ? { symbol: part.fileSymbol, timeframe: part.timeframe } : undefined, emit);
    enc.spreadDecimals = part.decimals;
    for await (const { chunk, spread } of partChunks(store, part, task.read, signal)) {
      rows += chunk.count;
      enc.encode(chunk, 0, chunk.count, spread);
      await afterChunk();
    }
    enc.end();
  }
  return rows;
}

async function writeCsvPlain(store: CandleStore, task: OutputTask, fd: number, signal?: AbortSignal): Promise<number> {
  const write = (buf: Buffer) => {
    let done = 0;
    while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done);
  };
  return encodeCsv(store, task, write, async () => {}, signal);
}

async function writeCsvGzip(store: CandleStore, task: OutputTask, fd: number, signal?: AbortSignal): Promise<number> {
  const gzip = createGzip({ level: 6 });
  const done = pipeline(gzip, createWriteStream('', { fd, autoClose: false }));
  try {
    // The encoder reuses its buffer: gzip gets a copy; wait for it to drain between chunks (flat memory).
    const rows = await encodeCsv(store, task, (bytes) => void gzip.write(Buffer.from(bytes)), async () => {
      if (gzip.writableNeedDrain) await new Promise((resolve) => gzip.once('drain', resolve));
    }, signal);
    gzip.end();
    await done;
    return rows;
  } catch (err) {
    // Stop the stream before the caller closes the descriptor under it.
    gzip.destroy(err as Error);
    await done.catch(() => {});
    throw err;
  }
}
