// The manifest of an incremental, partitioned export: `DIR/_candlestore_manifest.json` (a leading `_` keeps
// Spark, Hive and DuckDB globs from reading it as data). Per partition file: the store generation and the
// bar range exported, and how much of it was final then. A partition is rewritten unless the same options
// would export exactly the same final rows again; partitions the manifest lists but the new plan does not
// produce (a rebuilt store that starts later, a narrower range) are removed, so the folder always equals
// what a full export into an empty folder would write.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { writeFileAtomic } from '../util/fsx.js';
import type { OutputTask } from './plan.js';
import { CANDLESTORE_VERSION } from './version.js';

export const MANIFEST_NAME = '_candlestore_manifest.json';
const MANIFEST_VERSION = 1;

export interface PartitionEntry {
  symbol: string;
  timeframe: string;
  year: number;
  generation: number;
  from: number;
  to: number;
  /** Bars of [from, to) that were final when exported: equal to `to` means the file can never go stale. */
  finalTo: number;
  rows: number;
  /** Mid or spread: the ASK store's generation and range beside the BID one's (the pair decides the rows). */
  ask?: { generation: number; from: number; to: number; finalTo: number };
}

export interface Manifest {
  manifest_version: number;
  candlestore_version: string;
  /** Everything that shapes the files besides the rows (format, compression, selection, range). */
  options: string;
  partitions: Record<string, PartitionEntry>;
}

export function manifestPath(dir: string): string {
  return join(dir, MANIFEST_NAME);
}

export function readManifest(dir: string): Manifest | undefined {
  const file = manifestPath(dir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch (err) {
    throw new ConfigError(`not a candlestore export manifest (${(err as Error).message}); remove it or export to another folder`, file, 'BAD_MANIFEST');
  }
  if (m.manifest_version !== MANIFEST_VERSION || typeof m.partitions !== 'object' || typeof m.options !== 'string') {
    throw new ConfigError(`unsupported manifest (version ${String(m.manifest_version)}); remove it to export again in full`, file, 'BAD_MANIFEST');
  }
  return m;
}

export function entryOf(task: OutputTask): PartitionEntry {
  const p = task.parts[0];
  return {
    symbol: p.fileSymbol,
    timeframe: p.timeframe,
    year: p.year ?? 0,
    generation: p.generation,
    from: p.from,
    to: p.to,
    finalTo: Math.max(p.from, Math.min(p.to, p.finalCount)),
    rows: task.rows,
    ...(p.paired ? { ask: { generation: p.paired.generation, from: p.paired.from, to: p.paired.to, finalTo: Math.max(p.paired.from, Math.min(p.paired.to, p.paired.finalCount)) } } : {}),
  };
}

/** True when `task` would write the same rows the manifest says its file already holds, all of them final. */
export function isUnchanged(prev: Manifest | undefined, options: string, task: OutputTask): boolean {
  const e = prev?.options === options ? prev.partitions[task.rel] : undefined;
  if (!e) return false;
  const now = entryOf(task);
  const sameAsk = e.ask === undefined && now.ask === undefined
    || (e.ask !== undefined && now.ask !== undefined && e.ask.generation === now.ask.generation && e.ask.from === now.ask.from && e.ask.to === now.ask.to && e.ask.finalTo === e.ask.to);
  return sameAsk && e.generation === now.generation && e.from === now.from && e.to === now.to && e.finalTo === e.to;
}

export async function writeManifest(dir: string, options: string, entries: Record<string, PartitionEntry>): Promise<void> {
  const m: Manifest = { manifest_version: MANIFEST_VERSION, candlestore_version: CANDLESTORE_VERSION, options, partitions: entries };
  await writeFileAtomic(manifestPath(dir), `${JSON.stringify(m, null, 1)}\n`);
}
