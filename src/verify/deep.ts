// `verify --deep`: the end-to-end check that checksums cannot do. A record changed together with every
// checksum that covers it (or written wrong in the first place) passes every other check; here the stores
// are compared with what they must be:
//   1. 1m store vs cache: every raw day (cache JSON, and the live/provisional day's temp JSON) is decoded
//      again with the product's decoder (transform/decode.ts, the symbol's shift and rounding) and every
//      record of the 1m store compared with it. The store is split into its day files at the records whose
//      src is 64 (each day file's first record; docs/format.md §1), each run matched to the raw day whose
//      first candle has its ts; every field must be equal, src = 64 + 64·i. Only the last run may be a
//      prefix of its day (the live day grows); a raw day with candles that the store skipped is a difference,
//      days before its first record were not selected for it, days after its last day not aggregated yet.
//   2. every timeframe vs its source: bars recomputed from the source rows by the resampler's fold
//      (resample/fold.ts, the timeframe's bucketer; first open, max high, min low, last close, volumes summed
//      in row order, count, src of the first row, origin), compared with every stored bar as they come out,
//      without holding them (flags are the plain check's: verify's timeframe suite). The independent
//      computation is the tests' (test/helpers/independent.ts).
// Reads everything; costs about a transform of the whole cache plus a scan of every store.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Config } from '../config/schema.js';
import { resolveSymbolSettings } from '../config/symbolSettings.js';
import { recordedOneMinute } from '../config/definitions.js';
import { parseDayJson } from '../dukascopy/dayJson.js';
import { symbolFileName } from '../dukascopy/symbolCode.js';
import { CancelledError, CandleError, CorruptFileError } from '../errors.js';
import type { Layout } from '../paths.js';
import { makeBucketer } from '../resample/bucket.js';
import { BarSink, Folder } from '../resample/fold.js';
import { SourceScan } from '../resample/scan.js';
import { RecordChunk } from '../store/chunk.js';
import { FLAG_PROVISIONAL, HEADER_SIZE, RECORD_SIZE, type Candle } from '../store/format.js';
import { readIndexFile } from '../store/indexFile.js';
import { StoreReader } from '../store/reader.js';
import { fileSize } from '../store/writer.js';
import { resolveSymbolPlan } from '../timeframes/plan.js';
import { BASE_RULE, BASE_TIMEFRAME, type Rule } from '../timeframes/rules.js';
import { decodeDay } from '../transform/decode.js';
import { shiftForDay } from '../transform/timeShift.js';
import { compactDay, isoMinute } from '../util/dates.js';
import { dayFilePrefix, listFlatDayFiles, listTreeDayFiles } from '../util/dayFiles.js';
import type { FileSummary, Finding, Severity, VerifyReport } from './types.js';

const MAX_PER_CHECK = 20;

/** One store's findings, capped per check like the other suites. */
class Findings {
  private readonly counts = new Map<string, number>();

  constructor(private readonly report: VerifyReport, private readonly summary: FileSummary) {}

  add(severity: Severity, check: string, message: string, offset?: number): void {
    const key = `${severity}:${check}`;
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    this.summary[severity === 'damage' ? 'damage' : 'warnings']++;
    if (n > MAX_PER_CHECK) return;
    const { symbol, timeframe, file } = this.summary;
    const finding: Finding = { severity, symbol, timeframe, file, check, message: n === MAX_PER_CHECK ? `${message} (further ${check} findings of this file not listed)` : message, offset };
    (severity === 'damage' ? this.report.damage : this.report.warnings).push(finding);
  }
}

/** Deep-verify every store of `symbols`: one summary per store (kind `deep`), damage on any difference. */
export async function verifyDeep(layout: Layout, config: Config, symbols: readonly string[], opts: { signal?: AbortSignal } = {}): Promise<VerifyReport> {
  const report: VerifyReport = { files: [], damage: [], warnings: [], gaps: [] };
  for (const symbol of symbols) {
    if (opts.signal?.aborted) throw new CancelledError('Verify');
    const ends = new Map<string, number | undefined>();
    ends.set(BASE_TIMEFRAME, await storeAgainstCache(layout, config, symbol, report, opts.signal));
    const plan = resolveSymbolPlan(config, symbol);
    const rules = new Map<string, Rule>([[BASE_TIMEFRAME, BASE_RULE]]);
    const files = new Map<string, string>([[BASE_TIMEFRAME, layout.aggregateStore(symbol)]]);
    for (const tf of plan.timeframes) {
      if (opts.signal?.aborted) throw new CancelledError('Verify');
      rules.set(tf.name, tf.rule);
      files.set(tf.name, layout.resampleStore(tf.name, symbol));
      const file = layout.resampleStore(tf.name, symbol);
      const summary: FileSummary = { kind: 'deep', symbol, timeframe: `${tf.name} deep`, file, exists: false, records: 0, damage: 0, warnings: 0, gaps: 0 };
      report.files.push(summary);
      const findings = new Findings(report, summary);
      const sourceEnd = ends.get(tf.source);
      if (sourceEnd === undefined) {
        findings.add('warning', 'deep', `not recomputed: its source ${tf.source} has no usable store`);
        ends.set(tf.name, undefined);
        continue;
      }
      const bucketer = makeBucketer(tf.rule, rules.get(tf.source)!, plan.session, plan.shift);
      const index = layout.resampleIndex(tf.name, symbol);
      ends.set(tf.name, await timeframeAgainstSource(file, index, symbol, tf.name, files.get(tf.source)!, tf.source, sourceEnd, bucketer, summary, findings));
    }
  }
  return report;
}

// ---- 1. the 1m store against the raw days ----

interface RawDay {
  day: number;
  file: string;
}

/** The header of a store file (it exists: the caller checked). */
async function readStoreHeader(file: string) {
  const reader = await StoreReader.open(file, { stage: 'Verify' });
  try {
    return reader.header;
  } finally {
    await reader.close();
  }
}

/** Returns the store's committed end (a source for its timeframes), undefined when it has none. */
async function storeAgainstCache(layout: Layout, config: Config, symbol: string, report: VerifyReport, signal?: AbortSignal): Promise<number | undefined> {
  const store = layout.aggregateStore(symbol);
  const summary: FileSummary = { kind: 'deep', symbol, timeframe: `${BASE_TIMEFRAME} deep`, file: store, exists: false, records: 0, damage: 0, warnings: 0, gaps: 0 };
  report.files.push(summary);
  const findings = new Findings(report, summary);
  let index;
  try {
    index = await readIndexFile(layout.aggregateIndex(symbol), 'Verify');
  } catch (err) {
    if (!(err instanceof CorruptFileError)) throw err;
    findings.add('damage', 'index', err.message);
    return undefined;
  }
  if (!index || (await fileSize(store)) === undefined) {
    findings.add('warning', 'deep', 'not compared: no committed 1m store');
    return undefined;
  }
  summary.exists = true;
  // Decoded with the settings the store was built with (its definition file; the config when there is
  // none): whether the config still matches them is `run`'s check, this one is about the bytes.
  const settings = resolveSymbolSettings(config.transform.symbols, symbol);
  const built = recordedOneMinute(layout, symbol, 'Verify');
  const shift = built?.shift ?? settings.shift;
  const header = await readStoreHeader(store);
  const decoding = {
    decimals: built?.decimals ?? header.decimals,
    fit: built?.fit ?? (settings.roundDecimals === undefined ? 'scale' as const : 'round' as const),
    definition: built?.fingerprint ?? header.definition,
  };
  const code = symbolFileName(symbol);
  // The raw days: cache (closed) and temp (live or provisional); a cached day wins over a temp one.
  const raw = new Map<number, RawDay>();
  for (const f of await listFlatDayFiles(layout.tempDir, 'json')) if (f.code === code) raw.set(f.day, { day: f.day, file: f.path });
  for (const f of await listTreeDayFiles(layout.cacheDir, 'json', { prefix: dayFilePrefix(code) })) if (f.code === code) raw.set(f.day, { day: f.day, file: f.path });
  const days = [...raw.values()].sort((a, b) => a.day - b.day);
  let next = 0;
  /** The decoded day file of raw day `d` (undefined: it cannot be decoded, reported). */
  const decode = (d: RawDay): Buffer | undefined => {
    try {
      const doc = parseDayJson(readFileSync(d.file, 'latin1'), d.file, 'Transform'); // the product's decoder, as transform runs it
      return decodeDay(doc, { symbol, day: d.day, ...decoding, shift: shiftForDay(shift, d.day), file: d.file }).bin;
    } catch (err) {
      if (!(err instanceof CandleError)) throw err;
      findings.add('damage', 'cache', `${basename(d.file)} cannot be decoded: ${(err as Error).message}`);
      return undefined;
    }
  };

  let expected: Buffer | undefined; // the day file the current run of records must equal
  let expectedDay: RawDay | undefined;
  let row = 0; // index of the next record of the current run
  const reader = await StoreReader.open(store, { stage: 'Verify', expect: { symbol, timeframe: BASE_TIMEFRAME }, limit: index.outPos });
  try {
    for await (const chunk of reader.scan()) {
      if (signal?.aborted) throw new CancelledError('Verify');
      if (chunk.count > 0) {
        summary.firstTs ??= chunk.ts(0);
        summary.lastTs = chunk.ts(chunk.count - 1);
      }
      for (let i = 0; i < chunk.count; i++) {
        const pos = chunk.posOf(i);
        const rec = chunk.record(i);
        const src = Number(rec.readBigUInt64LE(48));
        if (src === HEADER_SIZE) {
          // A new day file starts here: the raw day whose first candle has this ts.
          if (expected && expectedDay && row < (expected.length - HEADER_SIZE) / RECORD_SIZE) {
            findings.add('damage', 'deep', `${(expected.length - HEADER_SIZE) / RECORD_SIZE - row} candles of ${basename(expectedDay.file)} are missing from the store before ${isoMinute(chunk.ts(i))}`, pos);
          }
          expected = undefined;
          expectedDay = undefined;
          row = 0;
          const ts = chunk.ts(i);
          while (next < days.length) {
            const d = days[next++];
            const bin = decode(d);
            if (!bin || bin.length === HEADER_SIZE) continue; // an empty day (weekend) has no run
            const first = Number(bin.readBigInt64LE(HEADER_SIZE));
            if (first === ts) {
              expected = bin;
              expectedDay = d;
              break;
            }
            if (first > ts) {
              next--; // it may match a later run
              break;
            }
            // Raw days before the store's first record were never selected for it (an earlier --from).
            if (pos > HEADER_SIZE) findings.add('damage', 'deep', `${basename(d.file)}: its ${(bin.length - HEADER_SIZE) / RECORD_SIZE} candles are not in the store (the store goes on at ${isoMinute(ts)})`);
          }
          if (!expected) findings.add('damage', 'deep', `the day file run starting at ${isoMinute(ts)} matches no raw day (no cache or temp JSON whose first candle has that time)`, pos);
        }
        if (!expected) continue;
        const want = HEADER_SIZE + row * RECORD_SIZE;
        if (src !== want) findings.add('damage', 'deep', `record at ${isoMinute(chunk.ts(i))}: src ${src}, expected ${want} (row ${row} of ${basename(expectedDay!.file)})`, pos);
        if (want >= expected.length) {
          findings.add('damage', 'deep', `record at ${isoMinute(chunk.ts(i))}: ${basename(expectedDay!.file)} has only ${row} candles`, pos);
        } else if (rec.compare(expected, want, want + 48, 0, 48) !== 0 || rec.compare(expected, want + 56, want + 58, 56, 58) !== 0 || rec.compare(expected, want + 60, want + 64, 60, 64) !== 0) {
          findings.add('damage', 'deep', `record at ${isoMinute(chunk.ts(i))} differs from row ${row} of ${basename(expectedDay!.file)} decoded again: ${describe(rec, expected.subarray(want, want + RECORD_SIZE))}`, pos);
        }
        // flags: none on final records, the provisional bit on the tail (docs/format.md §10).
        const flags = rec.readUInt16LE(58);
        if (flags !== (pos < index.finalPos ? 0 : FLAG_PROVISIONAL)) findings.add('damage', 'deep', `record at ${isoMinute(chunk.ts(i))}: flags ${flags} at ${pos < index.finalPos ? 'a final' : 'a provisional'} position`, pos);
        row++;
      }
    }
    summary.records = reader.recordCount;
  } finally {
    await reader.close();
  }
  // Days after the store: only those up to its last day must be in it (later ones are not aggregated yet).
  if (expected && expectedDay && row < (expected.length - HEADER_SIZE) / RECORD_SIZE && Number(compactDay(expectedDay.day)) < index.lastDate) {
    findings.add('damage', 'deep', `${(expected.length - HEADER_SIZE) / RECORD_SIZE - row} candles of ${basename(expectedDay.file)} are missing at the end of the store`);
  }
  for (; next < days.length; next++) {
    const d = days[next];
    if (Number(compactDay(d.day)) >= index.lastDate) break;
    const bin = decode(d);
    if (bin && bin.length > HEADER_SIZE) findings.add('damage', 'deep', `${basename(d.file)}: its ${(bin.length - HEADER_SIZE) / RECORD_SIZE} candles are not in the store`);
  }
  return index.outPos;
}

const FIELDS = ['ts', 'open', 'high', 'low', 'close', 'volume', 'src', 'origin', 'flags', 'count'] as const;

/** The fields of two records that differ, `field got ≠ want`. */
function describe(got: Buffer, want: Buffer): string {
  const read = (b: Buffer, f: (typeof FIELDS)[number]): number | bigint => {
    switch (f) {
      case 'ts': return b.readBigInt64LE(0);
      case 'open': return b.readDoubleLE(8);
      case 'high': return b.readDoubleLE(16);
      case 'low': return b.readDoubleLE(24);
      case 'close': return b.readDoubleLE(32);
      case 'volume': return b.readDoubleLE(40);
      case 'src': return b.readBigUInt64LE(48);
      case 'origin': return b.readInt16LE(56);
      case 'flags': return b.readUInt16LE(58);
      case 'count': return b.readUInt32LE(60);
    }
  };
  return FIELDS.filter((f) => f !== 'src' && !Object.is(read(got, f), read(want, f))).map((f) => `${f} ${read(got, f)} ≠ ${read(want, f)}`).join(', ');
}

// ---- 2. a timeframe against its source ----

/** A bar as recomputed here: a record without its flags (they are checked apart). */
type Bar = Omit<Candle, 'flags'>;

/** Returns the file's committed end (out_pos: final bars and the provisional tail) as a source for its dependents, or undefined. */
async function timeframeAgainstSource(
  file: string, indexFile: string, symbol: string, timeframe: string, sourceFile: string, sourceTimeframe: string, sourceEnd: number,
  bucketer: ReturnType<typeof makeBucketer>, summary: FileSummary, findings: Findings,
): Promise<number | undefined> {
  let index;
  try {
    index = await readIndexFile(indexFile, 'Verify');
  } catch (err) {
    if (!(err instanceof CorruptFileError)) throw err;
    findings.add('damage', 'index', err.message);
    return undefined;
  }
  const size = await fileSize(file);
  if (!index || size === undefined || size < index.outPos) {
    findings.add('warning', 'deep', 'not recomputed: no committed file');
    return undefined;
  }
  summary.exists = true;
  const end = index.outPos;
  // The source folded again by the resampler's own fold (every bar taken as final: flags are the plain
  // check's), each recomputed bar compared with the next stored one as the fold hands them over.
  const reader = await StoreReader.open(file, { stage: 'Verify', expect: { symbol, timeframe }, limit: end });
  const stored = new StoredBars(reader, file);
  let k = 0;
  let missing: { count: number; ts: number } | undefined;
  const compare = (bytes: Buffer): void => {
    const got = new RecordChunk(bytes, 0);
    for (let i = 0; i < got.count; i++, k++) {
      const at = stored.next();
      if (!at) {
        missing ??= { count: 0, ts: got.ts(i) };
        missing.count++;
        continue;
      }
      compareBar(at.chunk, at.i, got, i, k, findings);
    }
  };
  const sink = new BarSink(compare, { dataCrc: 0 });
  const fold = new Folder(bucketer, sink, sourceFile, { now: Number.POSITIVE_INFINITY, maxPeriodMs: 0, sourceFinalEnd: Number.POSITIVE_INFINITY }, () => Number.NEGATIVE_INFINITY);
  let source: SourceScan | undefined;
  try {
    source = await SourceScan.open(sourceFile, 'Verify', { symbol, timeframe: sourceTimeframe }, sourceEnd);
    for (const chunk of source.chunks(HEADER_SIZE)) fold.fold(chunk);
    fold.finish();
  } catch (err) {
    if (!(err instanceof CorruptFileError)) throw err;
    findings.add('damage', 'deep', `its source cannot be folded again: ${err.message}`);
    await stored.close();
    return end;
  } finally {
    source?.close();
    sink.release();
  }
  for (let at = stored.next(); at; at = stored.next(), k++) findings.add('damage', 'deep', `bar ${k} (${isoMinute(at.chunk.ts(at.i))}) has no source rows`, at.chunk.posOf(at.i));
  summary.firstTs = stored.firstTs;
  summary.lastTs = stored.lastTs;
  summary.records = reader.recordCount;
  await stored.close();
  if (missing) findings.add('damage', 'deep', `${missing.count} bar(s) from ${isoMinute(missing.ts)} on are missing (the source has rows for them)`);
  return end;
}

/** The stored bars of a timeframe file, one at a time, in order (read a chunk at a time). */
class StoredBars {
  firstTs: number | undefined;
  lastTs: number | undefined;
  private chunk: RecordChunk | undefined;
  private i = 0;
  private readonly scan: SourceScan;
  private readonly chunks: Generator<RecordChunk>;

  constructor(reader: StoreReader, file: string) {
    this.scan = SourceScan.fromReader(reader, file, 'Verify');
    this.chunks = this.scan.chunks(HEADER_SIZE);
  }

  next(): { chunk: RecordChunk; i: number } | undefined {
    if (!this.chunk || this.i >= this.chunk.count) {
      if (!this.load()) return undefined;
    }
    return { chunk: this.chunk!, i: this.i++ };
  }

  async close(): Promise<void> {
    this.chunks.return(undefined);
    this.scan.close();
  }

  private load(): boolean {
    const r = this.chunks.next();
    if (r.done) return false;
    this.chunk = r.value;
    this.i = 0;
    this.firstTs ??= this.chunk.ts(0);
    this.lastTs = this.chunk.ts(this.chunk.count - 1);
    return true;
  }
}

function compareBar(c: RecordChunk, i: number, want: RecordChunk, j: number, k: number, findings: Findings): void {
  const got = c.record(i);
  const exp = want.record(j);
  // Everything but the flags (bytes 58–59).
  if (got.compare(exp, 0, 58, 0, 58) === 0 && got.compare(exp, 60, 64, 60, 64) === 0) return;
  const fields = (r: Buffer): Bar => ({
    ts: Number(r.readBigInt64LE(0)), open: r.readDoubleLE(8), high: r.readDoubleLE(16), low: r.readDoubleLE(24), close: r.readDoubleLE(32),
    volume: r.readDoubleLE(40), src: Number(r.readBigUInt64LE(48)), origin: r.readInt16LE(56), count: r.readUInt32LE(60),
  });
  const g = fields(got);
  const w = fields(exp);
  const diff = (Object.keys(w) as (keyof Bar)[]).filter((f) => !Object.is(g[f], w[f]));
  findings.add('damage', 'deep', `bar ${k} (${isoMinute(c.ts(i))}) differs from its source rows recomputed: ${diff.map((f) => `${f} ${g[f]} ≠ ${w[f]}`).join(', ')}`, c.posOf(i));
}
