// Verify resampled timeframe files against their sources, read-only: header (symbol, timeframe, decimals of
// the source), index (size, data_crc over the final bars, tail_crc over the provisional tail, generation; the
// header's definition fingerprint; in_pos = the first provisional bar's src, at most the source's final_pos),
// bar order and flags (final bars 0, every tail bar FLAG_PROVISIONAL, FLAG_OPEN only on a suffix of the
// tail), and for every bar its OHLCV and count recomputed from the source rows its src/count point at (open =
// first open, close = last close, high max, low min, volume summed in row order, exactly as the resampler
// does). Findings reuse src/verify's Finding shape; a final bar that disagrees with its source is damage, a
// provisional one that lags its source is a warning (the next run rewrites it). Trade-off: one forward pass over each file and the part of its source its
// bars cover, no bucket recomputation (the reference tests cover the bucketing).
import { isoTime } from '../util/dates.js';
import { crc32 } from 'node:zlib';
import type { Config } from '../config/schema.js';
import { CorruptFileError } from '../errors.js';
import type { Layout } from '../paths.js';
import type { RecordChunk } from '../store/chunk.js';
import { FLAG_OPEN, FLAG_PROVISIONAL, HEADER_SIZE, RECORD_SIZE, isRecordBoundary } from '../store/format.js';
import { readIndexFile } from '../store/indexFile.js';
import type { StoreIndex } from '../store/indexFormat.js';
import { DEFAULT_CHUNK_BYTES, StoreReader } from '../store/reader.js';
import { fileSize } from '../store/writer.js';
import type { FileSummary, Finding, Severity } from '../verify/types.js';
import { resolveSymbolPlan } from '../timeframes/plan.js';
import { REBUILD_HINT } from './repair.js';
import { BASE_TIMEFRAME } from '../timeframes/rules.js';

/** The verify summary of one timeframe file (records = bars, closed + open; gaps are not a timeframe check). */
export type ResampleFileSummary = Omit<FileSummary, 'kind' | 'gaps'> & { kind: 'resample' };

export interface ResampleVerifyReport {
  files: ResampleFileSummary[];
  damage: Finding[];
  warnings: Finding[];
}

const MAX_PER_CHECK = 20;

/** Verify every timeframe file of each symbol (the symbol's plan from `config`). */
export async function verifyTimeframes(layout: Layout, symbols: readonly string[], config: Config, opts: { signal?: AbortSignal } = {}): Promise<ResampleVerifyReport> {
  const report: ResampleVerifyReport = { files: [], damage: [], warnings: [] };
  for (const symbol of symbols) {
    const plan = resolveSymbolPlan(config, symbol);
    const sourceEnds = new Map<string, SourceEnd | undefined>();
    const aggIndex = await readIndexFile(layout.aggregateIndex(symbol), 'Verify').catch(() => undefined);
    sourceEnds.set(BASE_TIMEFRAME, aggIndex ? { file: layout.aggregateStore(symbol), end: aggIndex.outPos, finalPos: aggIndex.finalPos } : undefined);
    for (const tf of plan.timeframes) {
      if (opts.signal?.aborted) break;
      const file = layout.resampleStore(tf.name, symbol);
      const summary: ResampleFileSummary = { kind: 'resample', symbol, timeframe: tf.name, file, exists: false, records: 0, damage: 0, warnings: 0 };
      report.files.push(summary);
      const counts = new Map<string, number>();
      const add = (severity: Severity, check: string, message: string, offset?: number) => {
        const key = `${severity}:${check}`;
        const n = (counts.get(key) ?? 0) + 1;
        counts.set(key, n);
        summary[severity === 'damage' ? 'damage' : 'warnings']++;
        if (n > MAX_PER_CHECK) return;
        const finding: Finding = { severity, symbol, timeframe: tf.name, file, check, message: n === MAX_PER_CHECK ? `${message} (further ${check} findings of this file not listed)` : message, offset };
        (severity === 'damage' ? report.damage : report.warnings).push(finding);
      };
      const source = sourceEnds.get(tf.source);
      sourceEnds.set(tf.name, await verifyFile(layout, symbol, tf.name, tf.fingerprint, source, summary, add));
    }
  }
  return report;
}

type Add = (severity: Severity, check: string, message: string, offset?: number) => void;

/** A file as the source of its dependents: its committed end and the end of its final records. */
interface SourceEnd {
  file: string;
  end: number;
  finalPos: number;
}

/** Verify one file; returns it as a source for its dependents (undefined: unusable). */
async function verifyFile(
  layout: Layout, symbol: string, timeframe: string, fingerprint: number, source: SourceEnd | undefined,
  summary: ResampleFileSummary, add: Add,
): Promise<SourceEnd | undefined> {
  const store = layout.resampleStore(timeframe, symbol);
  const indexFile = layout.resampleIndex(timeframe, symbol);
  const size = await fileSize(store);
  let index: StoreIndex | undefined;
  try {
    index = await readIndexFile(indexFile, 'Verify');
  } catch (err) {
    if (!(err instanceof CorruptFileError)) throw err;
    add('damage', 'index', `${err.message}; ${REBUILD_HINT}`);
    return undefined;
  }
  if (size === undefined) {
    if (index) add('damage', 'store', `the file is missing but its index ${indexFile} exists; ${REBUILD_HINT}`);
    else if (source) add('warning', 'store', 'no file yet (resample has not run for this timeframe)');
    return undefined;
  }
  summary.exists = true;
  if (!index) {
    add('warning', 'index', `no index ${indexFile}: never committed (an interrupted first run); the next run rebuilds the file`);
    return undefined;
  }
  if (index.finalPos > index.outPos || size < index.finalPos) {
    add('damage', 'size', `truncated: the file is ${size} bytes, the index says ${index.finalPos} are final and ${index.outPos} committed; ${REBUILD_HINT}`, size);
    return undefined;
  }
  if (size < index.outPos) add('warning', 'size', `the file ends inside its provisional tail (${size} of ${index.outPos} bytes: a run was interrupted while rewriting it; the next run derives it again)`, size);
  if (size > index.outPos) add('warning', 'size', `${size - index.outPos} bytes past out_pos (an interrupted run; the next run cuts them off)`, index.outPos);
  const end = Math.min(size, index.outPos);
  let reader: StoreReader;
  try {
    reader = await StoreReader.open(store, { stage: 'Verify', expect: { symbol, timeframe }, limit: end - ((end - HEADER_SIZE) % RECORD_SIZE) });
  } catch (err) {
    if (!(err instanceof CorruptFileError)) throw err;
    add('damage', 'header', err.message, err.offset);
    return undefined;
  }
  if (reader.header.definition !== fingerprint) {
    await reader.close();
    add('warning', 'definition', `built with another definition of ${timeframe} (the config changed since); the next \`candlestore run\` stops and names the rebuild (\`run --rebuild-on-change\` does it)`);
    return undefined;
  }
  if (reader.header.generation !== index.generation) {
    await reader.close();
    add('damage', 'index', `its generation ${index.generation} is not the file's ${reader.header.generation} (the index belongs to another incarnation of the file); ${REBUILD_HINT}`);
    return undefined;
  }
  let src: StoreReader | undefined;
  try {
    if (!source) {
      add('warning', 'source', 'not checked: its source has no usable file (see the findings of the source)');
      return undefined;
    }
    src = await StoreReader.open(source.file, { stage: 'Verify', limit: source.end });
    if (src.header.decimals !== reader.header.decimals) add('damage', 'header', `${reader.header.decimals} decimals but its source ${source.file} has ${src.header.decimals}; ${REBUILD_HINT}`);
    if (!isRecordBoundary(index.inPos) || index.inPos > source.finalPos) add('damage', 'index', `in_pos ${index.inPos} is not a record position within the final records of its source (final_pos ${source.finalPos}); ${REBUILD_HINT}`);
    const cursor = new SourceCursor(src);
    const check = new BarCheck(add, index, source.end, cursor);
    let dataCrc = 0;
    let tailCrc = 0;
    for await (const chunk of reader.scan()) {
      for (let i = 0; i < chunk.count; i++) {
        if (chunk.posOf(i) < index.finalPos) dataCrc = crc32(chunk.record(i), dataCrc);
        else tailCrc = crc32(chunk.record(i), tailCrc);
        await check.bar(chunk, i);
      }
      if (chunk.count > 0) {
        summary.firstTs ??= chunk.ts(0);
        summary.lastTs = chunk.ts(chunk.count - 1);
      }
    }
    summary.records = reader.recordCount;
    if (dataCrc !== index.dataCrc) add('damage', 'data_crc', `the final bars do not match the index's data_crc (a bar was changed); ${REBUILD_HINT}`);
    if (end === index.outPos && tailCrc !== index.tailCrc) add('warning', 'tail', `the provisional tail does not match the index's tail_crc (a run was interrupted while rewriting it; the next run derives it again)`, index.finalPos);
    return { file: store, end: index.outPos, finalPos: index.finalPos };
  } finally {
    await reader.close();
    await src?.close();
  }
}

/** Forward-moving window over a source file's records, by byte position. */
class SourceCursor {
  chunk: RecordChunk | undefined;

  constructor(private readonly reader: StoreReader) {}

  /** Make sure the current chunk holds the record at `pos` (reads the next 4 MiB from there when not). */
  async load(pos: number): Promise<RecordChunk> {
    const c = this.chunk;
    if (c && pos >= c.startPos && pos < c.endPos) return c;
    this.chunk = await this.reader.readRange((pos - HEADER_SIZE) / RECORD_SIZE, DEFAULT_CHUNK_BYTES / RECORD_SIZE);
    return this.chunk;
  }
}

class BarCheck {
  private prevTs = -Infinity;
  private prevEnd = HEADER_SIZE;
  private index = 0;
  private sawOpen = false;

  constructor(private readonly add: Add, private readonly ix: StoreIndex, private readonly sourceEnd: number, private readonly cursor: SourceCursor) {}

  async bar(c: RecordChunk, i: number): Promise<void> {
    const k = this.index++;
    const pos = c.posOf(i);
    const provisional = pos >= this.ix.finalPos;
    const ts = c.ts(i);
    const flags = c.record(i).readUInt16LE(58);
    const count = c.record(i).readUInt32LE(60);
    const src = c.src(i);
    const at = isoTime(ts);
    if (ts <= this.prevTs) this.add('damage', 'order', `bar ${k} (ts ${at}) is not after the bar before it (${isoTime(this.prevTs)})`, pos);
    this.prevTs = ts;
    const isOpen = (flags & FLAG_OPEN) !== 0;
    if (!provisional && flags !== 0) this.add('damage', 'flags', `final bar ${k} (ts ${at}) has flags ${flags}; final bars have none`, pos);
    if (provisional && ((flags & FLAG_PROVISIONAL) === 0 || (flags & ~(FLAG_OPEN | FLAG_PROVISIONAL)) !== 0 || (this.sawOpen && !isOpen))) {
      this.add('damage', 'flags', `provisional bar ${k} (ts ${at}) has flags ${flags}; tail bars are provisional (${FLAG_PROVISIONAL}), open (${FLAG_OPEN}) only from the first open one on`, pos);
    }
    this.sawOpen ||= isOpen;
    if (provisional && pos === this.ix.finalPos && src < this.ix.inPos) this.add('damage', 'index', `in_pos ${this.ix.inPos} is past the first provisional bar's src ${src}`, pos);
    const severity: Severity = provisional ? 'warning' : 'damage';
    const lag = provisional ? ' (a provisional bar that lags its source; the next run rewrites it)' : `; ${REBUILD_HINT}`;
    if (!isRecordBoundary(src) || src < this.prevEnd || count === 0 || src + count * RECORD_SIZE > this.sourceEnd) {
      this.add(severity, 'source', `bar ${k} (ts ${at}): source rows ${src}+${count}×64 are not inside the source after the previous bar's rows${lag}`, pos);
      this.prevEnd = Math.max(this.prevEnd, src + count * RECORD_SIZE);
      return;
    }
    if (!provisional && src + count * RECORD_SIZE > this.ix.inPos) this.add('damage', 'index', `final bar ${k} (ts ${at}) uses source rows at or past in_pos ${this.ix.inPos}`, pos);
    this.prevEnd = src + count * RECORD_SIZE;
    let o = 0, h = 0, l = 0, cl = 0, v = 0;
    for (let n = 0; n < count; ) {
      const chunk = await this.cursor.load(src + n * RECORD_SIZE);
      // Rows of this bar inside the loaded chunk, folded synchronously.
      for (let j = (src + n * RECORD_SIZE - chunk.startPos) / RECORD_SIZE; j < chunk.count && n < count; j++, n++) {
        const rh = chunk.high(j), rl = chunk.low(j);
        if (n === 0) {
          o = chunk.open(j); h = rh; l = rl; v = chunk.volume(j);
        } else {
          if (rh > h) h = rh;
          if (rl < l) l = rl;
          v += chunk.volume(j);
        }
        cl = chunk.close(j);
      }
    }
    const want = { open: o, high: h, low: l, close: cl, volume: v };
    const got = { open: c.open(i), high: c.high(i), low: c.low(i), close: c.close(i), volume: c.volume(i) };
    for (const f of ['open', 'high', 'low', 'close', 'volume'] as const) {
      if (!Object.is(got[f], want[f])) {
        this.add(severity, 'ohlcv', `bar ${k} (ts ${at}): ${f} ${got[f]} but its ${count} source rows give ${want[f]}${lag}`, pos);
        break;
      }
    }
  }
}
