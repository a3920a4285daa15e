// The bench's data: raw cache trees written straight by the sim generator (the exact bytes `sim` serves
// for those days, so no HTTP), cached under bench/data/ between runs, and data roots around them.
// A tree is reused when its marker (the dataset spec plus a fingerprint of the generator's code) matches;
// anything else is deleted and written again. Every day of the span gets a file, weekends included (empty
// days), exactly as the download stage leaves the cache.
import { createHash } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Layout } from '../src/paths.js';
import { generateDayBytes } from '../src/sim/generator.js';
import { getInstrument } from '../src/sim/instruments.js';
import { eachDay, parseDay } from '../src/util/dates.js';
import type { DatasetSpec, SymbolSpec } from './config.js';

/** bench/data/ (from bench/dist/bench/*.js or bench/*.ts alike). */
export const BENCH_DATA = fileURLToPath(new URL(import.meta.url.includes('/bench/dist/') ? '../../data/' : './data/', import.meta.url));

export interface RawCache {
  /** The root whose cache/ holds the tree. */
  root: string;
  spec: DatasetSpec;
  files: number;
  /** Days with at least one candle, over all symbols. */
  tradingDays: number;
  jsonBytes: number;
  /** Seconds spent writing it this run (0 when reused). */
  writeSeconds: number;
  reused: boolean;
}

/** Hash of the generator's code: data written by another generator is not this dataset. */
function generatorFingerprint(): string {
  const h = createHash('sha256');
  for (const f of ['generator', 'instruments', 'format']) h.update(readFileSync(new URL(`../src/sim/${f}.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url)));
  return h.digest('hex').slice(0, 16);
}

/** Make sure `BENCH_DATA/spec.name/cache/` holds the dataset; write it when missing or stale. */
export function ensureRawCache(spec: DatasetSpec, log: (line: string) => void): RawCache {
  const root = join(BENCH_DATA, spec.name);
  const markerFile = join(root, 'dataset.json');
  const marker = JSON.stringify({ spec, generator: generatorFingerprint() });
  if (existsSync(markerFile) && readFileSync(markerFile, 'utf8') === marker) {
    const stats = JSON.parse(readFileSync(join(root, 'dataset-stats.json'), 'utf8')) as Pick<RawCache, 'files' | 'tradingDays' | 'jsonBytes'>;
    return { root, spec, ...stats, writeSeconds: 0, reused: true };
  }
  log(`dataset ${spec.name}: writing ${spec.symbols.length} symbols × ${spec.from} → ${spec.to} with the sim generator…`);
  rmSync(root, { recursive: true, force: true });
  const t0 = performance.now();
  const stats = writeCacheTree(new Layout(root), spec.symbols, parseDay(spec.from), parseDay(spec.to), spec.seed);
  writeFileSync(join(root, 'dataset-stats.json'), JSON.stringify(stats));
  writeFileSync(markerFile, marker);
  const writeSeconds = (performance.now() - t0) / 1000;
  log(`dataset ${spec.name}: ${stats.files} files, ${(stats.jsonBytes / 1e6).toFixed(0)} MB in ${writeSeconds.toFixed(1)} s`);
  return { root, spec, ...stats, writeSeconds, reused: false };
}

/** Write cache/YYYY/MM/SYMBOL_YYYYMMDD.json for every symbol and day in [from, to]. */
export function writeCacheTree(layout: Layout, symbols: readonly SymbolSpec[], from: number, to: number, seed: number): Pick<RawCache, 'files' | 'tradingDays' | 'jsonBytes'> {
  let files = 0;
  let tradingDays = 0;
  let jsonBytes = 0;
  const dirs = new Set<string>();
  for (const s of symbols) {
    const inst = getInstrument(s.source);
    for (const day of eachDay(from, to)) {
      const body = generateDayBytes(inst, day, seed);
      const file = layout.cacheDay(s.name, day);
      const dir = dirname(file);
      if (!dirs.has(dir)) {
        mkdirSync(dir, { recursive: true });
        dirs.add(dir);
      }
      writeFileSync(file, body);
      files++;
      jsonBytes += body.length;
      // An empty day has `"times":[]`.
      if (!body.includes('"times":[]')) tradingDays++;
    }
  }
  return { files, tradingDays, jsonBytes };
}

/** Hard-link every file of the tree `from` into `to` (cache files are only ever replaced by rename, never written in place). */
export function linkTree(from: string, to: string, keep: (file: string) => boolean = () => true): number {
  let n = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (keep(p)) {
        const target = join(to, relative(from, p));
        mkdirSync(dirname(target), { recursive: true });
        linkSync(p, target);
        n++;
      }
    }
  };
  walk(from);
  return n;
}

/** config.yaml and symbols.txt of a bench root. */
export function writeRootFiles(root: string, symbols: readonly SymbolSpec[], configYaml: string): void {
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'symbols.txt'), `${symbols.map((s) => s.name).join('\n')}\n`);
  writeFileSync(join(root, 'config.yaml'), configYaml);
}

/** Delete everything the pipeline derives (data/), keeping the raw cache. */
export function clearDerived(root: string): void {
  rmSync(join(root, 'data'), { recursive: true, force: true });
}
