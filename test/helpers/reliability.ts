// Shared pieces of the reliability suite (test/reliability/): the CLI as a child whose stderr is watched
// line by line (to know which stage a kill landed in), tree copies and comparisons, an independent reader of
// `.idx` pointer files (DataView at the offsets of docs/format.md, no code shared with src/), the "what the
// store holds is still the clean run's data" check, a seeded PRNG and a small concurrency pool.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { crc32 } from 'node:zlib';
import { BIN, snapshot } from './cli.js';
import { maskGeneration } from './common.js';

/** CANDLESTORE_SOAK=1: the long variant (more kills, more corruptions, more iterations). */
export const SOAK = process.env.CANDLESTORE_SOAK === '1';

/** Files of a data root that belong to the user, not to the pipeline (they differ between roots). */
export const dataOnly = (rel: string): boolean => rel !== 'config.yaml' && rel !== 'config.user.yaml' && rel !== 'symbols.txt' && rel !== 'symbols.user.txt';

/** Differences between two trees (missing, extra, differing files), [] when byte-identical. */
export function treeDiff(actual: string, expected: string, filter: (rel: string) => boolean = dataOnly): string[] {
  const a = snapshot(actual, filter);
  const e = snapshot(expected, filter);
  const out: string[] = [];
  for (const [rel, bytes] of e) {
    const got = a.get(rel);
    if (!got) out.push(`missing ${rel}`);
    else if (!got.equals(bytes)) out.push(`differs ${rel} (${got.length} vs ${bytes.length} bytes)`);
  }
  for (const rel of a.keys()) if (!e.has(rel)) out.push(`extra ${rel}`);
  // snapshot() masks the (random) generation ids; each store and its index must still carry the same one.
  for (const { store, index, rel } of listStores(actual)) {
    const idx = readIdx(index);
    if (idx && existsSync(store) && filter(rel) && readFileSync(store).readUInt32LE(48) !== idx.generation) out.push(`generation of ${rel} is not its index's`);
  }
  return out.sort();
}

export function copyTree(from: string): string {
  const to = mkdtempSync(join(tmpdir(), 'cs-rel-'));
  cpSync(from, to, { recursive: true });
  return to;
}

export function removeTree(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** Deterministic PRNG (mulberry32): every random choice of the suite comes from a printed seed. */
export { rng } from './common.js';

/** The seed of a test: from `env` when set (to replay a failure), else from the clock. */
export function seedFrom(env: string): number {
  const v = process.env[env];
  return v !== undefined && v !== '' ? Number(v) : Date.now() % 1_000_000;
}

/** Run `work` over `items` with at most `limit` at once; results in item order. */
export async function pool<T, R>(items: readonly T[], limit: number, work: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

// ---- the CLI as a watched child ----

export const STAGES = ['download', 'transform', 'aggregate', 'resample'] as const;
export type StageName = (typeof STAGES)[number];

export interface WatchedRun {
  child: ChildProcess;
  /** The stage whose progress line (`transform: 60 days to do`) was printed last; undefined before the first. */
  stage(): StageName | undefined;
  /** Called with each stage as its start line arrives. */
  onStage(fn: (stage: StageName, todo: number) => void): void;
  stderr(): string;
  stdout(): string;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

const STAGE_START = /^(download|transform|aggregate|resample): (\d+) \w+ to do$/;

/**
 * Spawn `candlestore <args>` (not quiet: the plain progress lines on stderr, a pipe here, tell the stage).
 * Node writes to pipes synchronously on Linux, so a line has left the child before the next stage starts.
 */
export function watchCli(args: string[], env?: NodeJS.ProcessEnv): WatchedRun {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  let partial = '';
  let current: StageName | undefined;
  const listeners: ((s: StageName, todo: number) => void)[] = [];
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => {
    err += d;
    partial += d;
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      const m = STAGE_START.exec(line.trim());
      if (m) {
        current = m[1] as StageName;
        for (const fn of listeners) fn(current, Number(m[2]));
      }
    }
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, ms: performance.now() - started }));
  });
  return { child, stage: () => current, onStage: (fn) => listeners.push(fn), stderr: () => err, stdout: () => out, done };
}

/** Per-stage wall time and units from the end lines of a plain-progress run (`transform: 150/150 days in 0.78s`). */
export function stageTimes(stderr: string): Map<StageName, { seconds: number; units: number }> {
  const out = new Map<StageName, { seconds: number; units: number }>();
  for (const m of stderr.matchAll(/^(download|transform|aggregate|resample): (\d+)\/(\d+) \w+ in ([\d.]+)s$/gm)) {
    out.set(m[1] as StageName, { seconds: Number(m[4]), units: Number(m[3]) });
  }
  return out;
}

// ---- independent .idx reader (docs/format.md §2) ----

export interface Idx {
  lastDate: number;
  inPos: number;
  outPos: number;
  csvPos: number;
  tailCrc: number;
  dataCrc: number;
  finalPos: number;
  generation: number;
}

/** The pointer file, or undefined when it is missing or not a valid index (wrong size, magic, version, CRC). */
export function readIdx(file: string): Idx | undefined {
  if (!existsSync(file)) return undefined;
  const b = readFileSync(file);
  if (b.length !== 64 || b.subarray(0, 8).toString('latin1') !== 'CNDLIDX\0') return undefined;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getUint16(8, true) !== 2 || dv.getUint32(60, true) !== crc32(b.subarray(0, 60))) return undefined;
  return {
    lastDate: dv.getUint32(12, true),
    inPos: Number(dv.getBigUint64(16, true)),
    outPos: Number(dv.getBigUint64(24, true)),
    csvPos: Number(dv.getBigUint64(32, true)),
    tailCrc: dv.getUint32(40, true),
    dataCrc: dv.getUint32(44, true),
    finalPos: Number(dv.getBigUint64(48, true)),
    generation: dv.getUint32(56, true),
  };
}

/** Every store of a root: the 1m aggregate stores and each resampled timeframe, with their index paths. */
export function listStores(root: string): { store: string; index: string; rel: string }[] {
  const out: { store: string; index: string; rel: string }[] = [];
  const add = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.bin') || name.startsWith('.')) continue;
      const store = join(dir, name);
      out.push({ store, index: join(dir, 'index', name.replace(/\.bin$/, '.idx')), rel: relative(root, store) });
    }
  };
  add(join(root, 'data/aggregate/1m'));
  const res = join(root, 'data/resample');
  if (existsSync(res)) for (const tf of readdirSync(res)) if (statSync(join(res, tf)).isDirectory()) add(join(res, tf));
  return out;
}

/**
 * "Never a silently wrong candle": whatever a reader can see in `root` — each store's header and records up
 * to its index's out_pos — must be the clean run's bytes (a prefix of them: a refused run may stop early).
 * A store without a valid index is invisible to readers (and deleted by the next run), so it is skipped.
 * Returns the problems found, [] when everything visible is right.
 */
export function visibleDataProblems(root: string, clean: string): string[] {
  const problems: string[] = [];
  for (const { store, index, rel } of listStores(root)) {
    const idx = readIdx(index);
    if (!idx || !existsSync(store)) continue;
    const raw = readFileSync(store);
    if (raw.length < idx.outPos) continue; // readers refuse a store shorter than its index
    if (raw.length >= 64 && raw.readUInt32LE(48) !== idx.generation) continue; // readers refuse another incarnation's index
    const bytes = maskGeneration(rel, raw);
    const ref = join(clean, rel);
    if (!existsSync(ref)) {
      problems.push(`${rel}: not in the clean run`);
      continue;
    }
    const want = maskGeneration(rel, readFileSync(ref));
    const seen = bytes.subarray(0, idx.outPos);
    if (seen.length > want.length || !seen.equals(want.subarray(0, seen.length))) {
      // Tell a header refusal (readers check the header CRC and symbol) from wrong records.
      if (!seen.subarray(0, 64).equals(want.subarray(0, 64))) continue;
      const firstBad = firstDifference(seen, want);
      problems.push(`${rel}: committed bytes differ from the clean run at byte ${firstBad} (record ${Math.floor((firstBad - 64) / 64)})`);
    }
  }
  return problems;
}

function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

/** `ms` of sleep. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Format a duration for the count lines. */
export const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * A gate in front of a server: every request waits until `open()`, then is passed through unchanged. A run
 * pointed at it holds its lock in the download stage for as long as the test needs, whatever the load.
 */
export async function startGate(target: string): Promise<{ url: string; waiting(): number; open(): void; close(): Promise<void> }> {
  let release!: () => void;
  const opened = new Promise<void>((r) => (release = r));
  let waiting = 0;
  const server = createServer((req, res) => {
    waiting++;
    void opened.then(() => {
      waiting--;
      const up = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    waiting: () => waiting,
    open: release,
    close: () =>
      new Promise<void>((r) => {
        release();
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
