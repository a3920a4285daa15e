// What one `build` will write: output files (tasks), each made of ranges of committed bars of one or more
// series, pinned to the snapshot (generation, bar range) seen while planning. Planning reads only headers,
// indexes and O(log n) timestamps per series (binary search), so a dry run costs milliseconds.
import { basename, join } from 'node:path';
import { ConfigError } from '../errors.js';
import type { Config } from '../config/schema.js';
import { recordPos } from '../store/format.js';
import { toSymbol, type CandleStore } from '../store/open.js';
import { tempNameFor } from '../util/fsx.js';
import type { Compression } from './parquet.js';
import type { Selection } from './select.js';
import { checkPair, countPairs, type OneSided, type PairRange, type ReadSide } from '../store/sides.js';
import { timeBasisOf } from './timeBasis.js';
import { CANDLESTORE_VERSION } from './version.js';

export type OutputKind = 'parquet' | 'csv' | 'mt4';

export interface BuildLayout {
  kind: OutputKind;
  compression: Compression;
  /** One file for everything. */
  output?: string;
  /** A folder: one file per series, or Hive partitions. */
  outputDir?: string;
  partition: boolean;
  /** Which side's prices (bid, ask, or mid of both) and whether a spread column follows (store/sides.ts). */
  read: ReadMode;
}

export interface ReadMode {
  side: ReadSide;
  spread: boolean;
}

/** Bid alone, as before sides existed: the stores' bars as they are. */
export const BID_ONLY: ReadMode = Object.freeze({ side: 'bid', spread: false });

/** Needs both stores (a merged scan, store/sides.ts): mid prices or the spread column. */
export function isPaired(read: ReadMode): boolean {
  return read.side === 'mid' || read.spread;
}

/** Bars [from, to) of one series, at the snapshot planned. */
export interface SeriesPart {
  fileSymbol: string;
  timeframe: string;
  decimals: number;
  generation: number;
  from: number;
  to: number;
  /** Bars of the snapshot before final_pos: rows at or past it are provisional. */
  finalCount: number;
  /** Partition year (store time), when partitioned. */
  year?: number;
  /** ASK alone: the fields above are the ASK store's. */
  ask?: boolean;
  /** Mid or spread: the ASK store's snapshot beside the BID one above, and the bars both have. */
  paired?: { generation: number; from: number; to: number; finalCount: number; rows: number; oneSided: OneSided };
}

/** Rows a part exports: its bar range, or for a paired part the bars both sides have in their ranges. */
export function partRows(p: SeriesPart): number {
  return p.paired ? p.paired.rows : p.to - p.from;
}

/** Rows of a part that were final when planned (final on both sides for a paired part). */
export function partFinalRows(p: SeriesPart): number {
  const bid = Math.max(p.from, Math.min(p.to, p.finalCount)) - p.from;
  if (!p.paired) return bid;
  const a = p.paired;
  const ask = Math.max(a.from, Math.min(a.to, a.finalCount)) - a.from;
  return bid === p.to - p.from && ask === a.to - a.from ? a.rows : Math.min(a.rows, bid, ask);
}

export interface OutputTask {
  root: string;
  kind: OutputKind;
  compression: Compression;
  /** Final name, and the temp name written first (renamed over the final name when every output is done). */
  target: string;
  temp: string;
  /** Path relative to the output folder (the manifest key), or the file's name for --output. */
  rel: string;
  /** symbol and timeframe columns in the file (not in Hive partitions). */
  seriesColumns: boolean;
  /** CSV: the file starts with the header line (not MT4 files). */
  header: boolean;
  /** Parquet: threads encoding row groups (a lone big file; set by build, 0 otherwise). */
  encodeThreads: number;
  /** Parquet isAdjustedToUTC: every series of the file is on UTC. */
  utc: boolean;
  metadata: Record<string, string>;
  /** The side read and the spread column (the same for every part). */
  read: ReadMode;
  parts: SeriesPart[];
  rows: number;
}

export function extensionOf(kind: OutputKind, compression: Compression): string {
  if (kind === 'parquet') return '.parquet';
  return compression === 'gzip' ? '.csv.gz' : '.csv';
}

/** Open every selected series once and turn the selection into output tasks. */
export async function planOutputs(store: CandleStore, config: Config, selections: readonly Selection[], range: { after?: number; until?: number }, layout: BuildLayout): Promise<OutputTask[]> {
  const parts: SeriesPart[] = [];
  const read = layout.read;
  for (const sel of selections) {
    if (isPaired(read)) {
      parts.push(...(await pairedParts(store, sel, range, layout.partition)));
      continue;
    }
    const series = await store.series(sel.fileSymbol, sel.timeframe, read.side === 'ask' ? 'ASK' : 'BID');
    try {
      let { from, to } = await series.indexRange(range);
      // skiplast drops the still-open last bar of the snapshot (and nothing when the last bar is closed).
      if (sel.skipLast && to === series.count && to > from) {
        const last = await series.readChunk(to - 1, to);
        if (last.isOpen(0)) to--;
      }
      const base = { fileSymbol: sel.fileSymbol, timeframe: sel.timeframe, decimals: series.info.decimals, generation: series.info.generation, finalCount: series.info.finalCount, ...(read.side === 'ask' ? { ask: true } : {}) };
      if (!layout.partition) {
        parts.push({ ...base, from, to });
        continue;
      }
      if (from === to) continue;
      // One part per calendar year of store time, found by binary search at each year start.
      let start = from;
      while (start < to) {
        const year = new Date((await series.readChunk(start, start + 1)).time(0)).getUTCFullYear();
        const end = Math.min(to, await series.lowerBound(Date.UTC(year + 1, 0, 1)));
        parts.push({ ...base, from: start, to: end, year });
        start = end;
      }
    } finally {
      await series.close();
    }
  }

  const ext = extensionOf(layout.kind, layout.compression);
  const task = (target: string, rel: string, ps: SeriesPart[], seriesColumns: boolean): OutputTask => {
    const bases = ps.map((p) => ({ p, basis: timeBasisOf(config, toSymbol(p.fileSymbol)) }));
    return {
      root: store.root,
      kind: layout.kind,
      compression: layout.compression,
      target,
      temp: tempNameFor(target),
      rel,
      seriesColumns,
      header: layout.kind === 'csv',
      encodeThreads: 0,
      utc: bases.every((b) => b.basis.utc),
      metadata: fileMetadata(bases.map(({ p, basis }) => ({ p, basis: basis.text })), layout),
      read: layout.read,
      parts: ps,
      rows: ps.reduce((n, p) => n + partRows(p), 0),
    };
  };

  if (layout.output !== undefined) return [task(layout.output, basename(layout.output), parts, true)];
  const dir = layout.outputDir!;
  if (!layout.partition) {
    return parts.map((p) => {
      const rel = `${p.fileSymbol}_${p.timeframe}${ext}`;
      // MetaTrader's import takes exactly date,time,O,H,L,C,V: the file name says which series it is.
      return task(join(dir, rel), rel, [p], layout.kind !== 'mt4');
    });
  }
  return parts.map((p) => {
    const rel = `timeframe=${p.timeframe}/symbol=${p.fileSymbol}/year=${p.year}/data${ext}`;
    return task(join(dir, rel), rel, [p], false);
  });
}

/**
 * Key-value metadata of a Parquet file: a pure function of the rows exported (no clock, no host), so an
 * incremental export and a full one write the same bytes for the same partition.
 */
function fileMetadata(parts: { p: SeriesPart; basis: string }[], layout: BuildLayout): Record<string, string> {
  if (layout.kind !== 'parquet') return {};
  const bases = [...new Set(parts.map((x) => x.basis))];
  return {
    'candlestore.version': CANDLESTORE_VERSION,
    'candlestore.time_basis': bases.length === 1 ? bases[0] : JSON.stringify(Object.fromEntries(parts.map((x) => [x.p.fileSymbol, x.basis]))),
    'candlestore.series': JSON.stringify(parts.map(({ p }) => ({
      symbol: p.fileSymbol,
      timeframe: p.timeframe,
      generation: p.generation,
      from_pos: recordPos(p.from),
      to_pos: recordPos(p.to),
      provisional_rows: partRows(p) - partFinalRows(p),
      ...(p.paired ? { ask_generation: p.paired.generation, ask_from_pos: recordPos(p.paired.from), ask_to_pos: recordPos(p.paired.to) } : {}),
    }))),
    // Only when not the plain BID export, whose files stay what they were before sides existed.
    ...(layout.read.side !== 'bid' || layout.read.spread ? { 'candlestore.side': layout.read.side, 'candlestore.spread': String(layout.read.spread) } : {}),
  };
}

/**
 * The parts of one selection read from both sides: the BID and ASK snapshots' ranges (per year when
 * partitioned), each with the count of bars both have (a scan of both stores' times, store/sides.ts).
 */
async function pairedParts(store: CandleStore, sel: Selection, range: { after?: number; until?: number }, partition: boolean): Promise<SeriesPart[]> {
  const bid = await store.series(sel.fileSymbol, sel.timeframe, 'BID');
  try {
    const ask = await store.series(sel.fileSymbol, sel.timeframe, 'ASK');
    try {
      checkPair(bid, ask);
      const b = await bid.indexRange(range);
      const a = await ask.indexRange(range);
      // skiplast: the still-open last bar of either side goes (a bar open on one side is open when paired).
      if (sel.skipLast) {
        if (b.to === bid.count && b.to > b.from && (await bid.readChunk(b.to - 1, b.to)).isOpen(0)) b.to--;
        if (a.to === ask.count && a.to > a.from && (await ask.readChunk(a.to - 1, a.to)).isOpen(0)) a.to--;
      }
      const spans: { b: PairRange; a: PairRange; year?: number }[] = [];
      if (!partition) spans.push({ b, a });
      else {
        let bs = b.from;
        let as = a.from;
        while (bs < b.to || as < a.to) {
          const t = Math.min(bs < b.to ? (await bid.readChunk(bs, bs + 1)).time(0) : Infinity, as < a.to ? (await ask.readChunk(as, as + 1)).time(0) : Infinity);
          const year = new Date(t).getUTCFullYear();
          const next = Date.UTC(year + 1, 0, 1);
          const be = Math.min(b.to, Math.max(bs, await bid.lowerBound(next)));
          const ae = Math.min(a.to, Math.max(as, await ask.lowerBound(next)));
          spans.push({ b: { from: bs, to: be }, a: { from: as, to: ae }, year });
          bs = be;
          as = ae;
        }
      }
      const out: SeriesPart[] = [];
      for (const span of spans) {
        const { paired, oneSided } = await countPairs(bid, span.b, ask, span.a, 65_536);
        if (partition && paired === 0 && oneSided.bidOnly + oneSided.askOnly === 0) continue;
        out.push({
          fileSymbol: sel.fileSymbol, timeframe: sel.timeframe, decimals: bid.info.decimals, generation: bid.info.generation,
          from: span.b.from, to: span.b.to, finalCount: bid.info.finalCount, year: span.year,
          paired: { generation: ask.info.generation, from: span.a.from, to: span.a.to, finalCount: ask.info.finalCount, rows: paired, oneSided },
        });
      }
      return out;
    } finally {
      await ask.close();
    }
  } finally {
    await bid.close();
  }
}

/** --output FILE / --output-dir DIR / --partition / --mt4 / compression combinations (exit 2 when wrong). */
export function checkLayout(l: BuildLayout & { incremental: boolean }): void {
  const usage = (msg: string) => new ConfigError(msg, undefined, 'BAD_USAGE');
  if (l.output !== undefined && l.outputDir !== undefined) throw usage('give either --output FILE or --output-dir DIR, not both');
  if (l.output === undefined && l.outputDir === undefined) throw usage('say where to write: --output FILE (one file) or --output-dir DIR (one file per series, or --partition)');
  if (l.partition && l.outputDir === undefined) throw usage('--partition needs --output-dir DIR (it writes a folder tree timeframe=TF/symbol=SYM/year=YYYY/)');
  if (l.incremental && !l.partition) throw usage('--incremental needs --output-dir DIR --partition (it rewrites changed partitions only)');
  if (l.kind === 'mt4') {
    if (l.partition) throw usage('--mt4 writes one plain file per symbol and timeframe for MetaTrader: it cannot be combined with --partition');
    if (l.output !== undefined) throw usage('--mt4 writes one file per symbol and timeframe: use --output-dir DIR instead of --output');
    if (l.compression !== 'none') throw usage(`--mt4 files are plain CSV for MetaTrader's import: --compression ${l.compression} is not possible`);
  }
  if (l.kind === 'csv' && !['gzip', 'none'].includes(l.compression)) throw usage(`--compression ${l.compression} is for Parquet; CSV takes gzip (.csv.gz) or none`);
}
