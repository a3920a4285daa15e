// Shared by the export tests (openStore, build, show): a small root made the way a user makes one (the CLI
// `run` against an in-process `sim`), and an independent reading of stores and indexes (DataView at the
// offsets of docs/format.md, no src/ code) to compare every exported row with.
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { after, before } from 'node:test';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { makeRoot, runCli } from '../helpers/cli.js';
import { readBin, type BinRecord } from '../helpers/independent.js';

export const SYMBOLS = ['EUR/USD', 'BTC/USD', 'AUS.IDX/AUD'];
export const CODES = ['EUR-USD', 'BTC-USD', 'AUS.IDX-AUD'];

export interface IndexFields {
  outPos: number;
  finalPos: number;
  generation: number;
}

/** out_pos @24, final_pos @48, generation @56 of a v2 `.idx` (docs/format.md); undefined when absent. */
export function readIdx(file: string): IndexFields | undefined {
  if (!existsSync(file)) return undefined;
  const b = readFileSync(file);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { outPos: Number(dv.getBigUint64(24, true)), finalPos: Number(dv.getBigUint64(48, true)), generation: dv.getUint32(56, true) };
}

export interface OracleSeries {
  symbol: string;
  code: string;
  timeframe: string;
  decimals: number;
  generation: number;
  /** Committed records only (up to the index's out_pos). */
  records: BinRecord[];
  finalCount: number;
}

export function storePaths(root: string, code: string, tf: string): { bin: string; idx: string } {
  return tf === '1m'
    ? { bin: join(root, 'data/aggregate/1m', `${code}.bin`), idx: join(root, 'data/aggregate/1m/index', `${code}.idx`) }
    : { bin: join(root, 'data/resample', tf, `${code}.bin`), idx: join(root, 'data/resample', tf, 'index', `${code}.idx`) };
}

/** One series as the independent reader sees it, cut at its index's out_pos. */
export function oracleSeries(root: string, code: string, tf: string): OracleSeries {
  const { bin, idx } = storePaths(root, code, tf);
  const ix = readIdx(idx);
  if (!ix) throw new Error(`no index ${idx}`);
  const file = readBin(bin);
  const n = (ix.outPos - 64) / 64;
  const b = readFileSync(bin);
  return {
    symbol: file.symbol,
    code,
    timeframe: file.timeframe,
    decimals: file.decimals,
    generation: new DataView(b.buffer, b.byteOffset).getUint32(48, true),
    records: file.records.slice(0, n),
    finalCount: (ix.finalPos - 64) / 64,
  };
}

/** Timeframe folders of a root that hold `code`'s index, plus 1m. */
export function timeframesOnDisk(root: string, code: string): string[] {
  const out = existsSync(storePaths(root, code, '1m').idx) ? ['1m'] : [];
  const dir = join(root, 'data/resample');
  if (existsSync(dir)) for (const tf of readdirSync(dir)) if (existsSync(storePaths(root, code, tf).idx)) out.push(tf);
  return out;
}

/** A started sim plus a root with `days` days of SYMBOLS run up to `now` (live day included). */
export async function exportFixture(opts: { seed?: number; from: string; now: string; symbols?: string[]; extraYaml?: string }): Promise<{ sim: SimServer; root: string; clock: { now: number } }> {
  const clock = { now: Date.parse(opts.now) };
  const sim = await startSim({ host: '127.0.0.1', port: 0, seed: opts.seed ?? 5, now: () => clock.now });
  const root = makeRoot(sim.url, opts.symbols ?? SYMBOLS, opts.extraYaml);
  const r = await runCli(['run', '--root', root, '--from', opts.from, '--now', opts.now, '-q']);
  if (r.code !== 0) throw new Error(`fixture run failed (${r.code}): ${r.stderr}`);
  return { sim, root, clock };
}

/** The year-end root most export tests share: 3 symbols from 2025-12-29, a live day on 2026-01-02. */
export const YEAR_END = { from: '2025-12-29', now: '2026-01-02T15:07:30Z' } as const;

export interface SharedFixture {
  readonly sim: SimServer;
  readonly root: string;
  /** `candlestore build --root ROOT …` through the real CLI (another root with `r`). */
  build(args: string[], r?: string): ReturnType<typeof runCli>;
}

/** An exportFixture made before the test file's tests and removed after them. */
export function useExportFixture(opts: Parameters<typeof exportFixture>[0] = YEAR_END): SharedFixture {
  let made: { sim: SimServer; root: string } | undefined;
  const get = () => made ?? assertMade();
  before(async () => {
    made = await exportFixture(opts);
  });
  after(async () => {
    if (!made) return;
    await made.sim.close();
    rmSync(made.root, { recursive: true, force: true });
  });
  return {
    get sim() {
      return get().sim;
    },
    get root() {
      return get().root;
    },
    build: (args, r) => runCli(['build', '--root', r ?? get().root, ...args]),
  };
}

function assertMade(): never {
  throw new Error('the export fixture is made in before(): use it inside tests');
}

/** `YYYY-MM-DD HH:MM:SS` of an epoch-ms store time printed as UTC (the export's time text). */
export function timeText(ts: number): string {
  return new Date(ts).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * Timeframe files with a provisional tail (final_pos < out_pos: open bars, bars of the live day), as a run
 * leaves them (issue 9 part 1): the export tests need some to see open and provisional bars.
 */
export function provisionalTails(root: string): number {
  let tails = 0;
  const dir = join(root, 'data/resample');
  for (const tf of readdirSync(dir)) {
    for (const code of readdirSync(join(dir, tf, 'index')).filter((n) => n.endsWith('.idx')).map((n) => n.slice(0, -4))) {
      const b = readFileSync(storePaths(root, code, tf).idx);
      if (Number(b.readBigUInt64LE(48)) < Number(b.readBigUInt64LE(24))) tails++;
    }
  }
  return tails;
}
