// The derived files of a symbol, by layer: what `rebuild` and `run --rebuild-on-change` delete before the
// stages make them again (the raw cache is never among them). Definition files go with the data they
// describe: the 1m definition with the day files (it describes those and the 1m store built from them), a
// timeframe's with the timeframe.
import { readdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDir } from '../util/fsx.js';
import { symbolFileName } from '../dukascopy/symbolCode.js';
import type { Layout } from '../paths.js';
import { listFlatDayFiles, listTreeDayFiles } from '../util/dayFiles.js';

/** full: day files and everything above; aggregate: the 1m store and everything above; resample: every timeframe. */
export type DerivedLayer = 'full' | 'aggregate' | 'resample';

/**
 * The files of `layer` (and the layers above it) of `symbols`, in deletion order: dependents before their
 * sources, each index before its store, each definition after the data it describes.
 */
export async function derivedFiles(layout: Layout, symbols: readonly string[], layer: DerivedLayer): Promise<string[]> {
  const codes = new Set(symbols.map(symbolFileName));
  const files: string[] = [];
  const timeframes = await listDirs(layout.resampleDir);
  for (const symbol of symbols) files.push(...timeframes.flatMap((tf) => timeframeFiles(layout, tf, symbol)));
  if (layer !== 'resample') {
    for (const symbol of symbols) files.push(layout.aggregateIndex(symbol), layout.aggregateStore(symbol), layout.aggregateCsv(symbol));
  }
  if (layer === 'full') {
    for (const f of await listTreeDayFiles(layout.transformDir, 'bin')) if (codes.has(f.code)) files.push(f.path);
    for (const f of await listFlatDayFiles(layout.tempDir, 'bin')) if (codes.has(f.code)) files.push(f.path);
    // Last: a definition never goes before the data it describes.
    for (const symbol of symbols) files.push(layout.aggregateDefinition(symbol));
  }
  return files;
}

/** A timeframe's index, store and definition file: the index first, so a crash half-way leaves no index pointing at nothing. */
export function timeframeFiles(layout: Layout, tf: string, symbol: string): string[] {
  return [layout.resampleIndex(tf, symbol), layout.resampleStore(tf, symbol), layout.resampleDefinition(tf, symbol)];
}

/**
 * Delete `files` (missing ones are fine); returns how many were named. Dependents before their sources
 * (resampled, then aggregate, then day files) and each index before its store, the index removals made
 * durable (folder fsync) before anything else goes, each definition after its data: a crash or power loss
 * half-way leaves stores without an index (no index = nothing committed), which the next run rebuilds from
 * what is left, never an index whose store is gone (refused as damage), nor data without its definition.
 */
export async function removeFiles(files: readonly string[]): Promise<number> {
  const isIndex = (f: string) => f.endsWith('.idx');
  for (const f of files.filter(isIndex)) await rm(f, { force: true });
  for (const dir of new Set(files.filter(isIndex).map((f) => dirname(f)))) await fsyncDir(dir).catch(ignoreMissing);
  for (const f of files.filter((f) => !isIndex(f))) await rm(f, { force: true });
  return files.length;
}

/** A folder that does not exist has nothing to make durable. */
function ignoreMissing(err: NodeJS.ErrnoException): void {
  if (err.code !== 'ENOENT') throw err;
}

async function listDirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
}
