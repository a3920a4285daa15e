// What the bench measures on: the dataset presets (default and --quick), the targets of issue #5 and the
// reference project's figures (DESIGN §9). Plain data; every other bench module reads it from here.

export interface SymbolSpec {
  /** Name in symbols.txt and in the store headers. */
  name: string;
  /** The sim instrument whose data it carries (an alias serves another instrument's days under its own name). */
  source: string;
}

export interface DatasetSpec {
  /** Folder under bench/data/. */
  name: string;
  symbols: SymbolSpec[];
  /** First and last UTC day, inclusive (YYYY-MM-DD). */
  from: string;
  to: string;
  seed: number;
}

export interface Preset {
  label: string;
  /** The cold-pipeline dataset (also the DuckDB, scan and lookup dataset, and the larger RSS size). */
  main: DatasetSpec;
  /** The same symbols over a shorter span: the smaller RSS size. */
  small: DatasetSpec;
  /** 26 symbols with `incremental.historyDays` (and, a second root, `longHistoryDays`) of history before `incremental.firstLiveDay`. */
  incremental: { symbols: SymbolSpec[]; historyDays: number; longHistoryDays: number; firstLiveDay: string; liveHourUtc: number; steps: number };
  /** Warm repetitions of each cold pipeline run (one cold-cache run comes first). */
  coldReps: number;
  duckdbReps: number;
  /** Repetitions of each export (ours and DuckDB's COPY, interleaved). */
  exportReps: number;
  scanReps: number;
  lookups: number;
  window: number;
  /** Section 7 (HTTP API): latency requests at 1 connection, seconds at 16 connections, requests of the RSS soak. */
  api: { requests: number; seconds: number; soak: number };
}

const SEED = 1;
const self = (name: string): SymbolSpec => ({ name, source: name });

/** symbols.txt's mix: FX, metal, index (cash session only), commodity, crypto (24/7). */
const TEN = ['EUR/USD', 'GBP/USD', 'USD/JPY', 'AUD/USD', 'USD/CHF', 'EUR/GBP', 'XAU/USD', 'USA500.IDX/USD', 'BRENT.CMD/USD', 'BTC/USD'].map(self);
const THREE = ['EUR/USD', 'XAU/USD', 'BTC/USD'].map(self);

/**
 * The reference run has 26 symbols; the sim serves 20 instruments, so 6 more are aliases: their own names
 * (own files, own stores) carrying another instrument's days. The bench's HTTP front (incremental.ts)
 * forwards an alias's requests to the instrument it stands for.
 */
const SIM_TWENTY = [
  'EUR/USD', 'GBP/USD', 'USD/JPY', 'AUD/USD', 'USD/CHF', 'USD/CAD', 'NZD/USD', 'EUR/GBP', 'EUR/JPY', 'XAU/USD',
  'XAG/USD', 'BRENT.CMD/USD', 'LIGHT.CMD/USD', 'USA500.IDX/USD', 'DEU.IDX/EUR', 'AUS.IDX/AUD', 'JPN.IDX/JPY', 'GBR.IDX/GBP', 'BTC/USD', 'ETH/USD',
];
const ALIASES: SymbolSpec[] = [
  { name: 'EUR.B/USD', source: 'EUR/USD' },
  { name: 'GBP.B/USD', source: 'GBP/USD' },
  { name: 'USD.B/JPY', source: 'USD/JPY' },
  { name: 'XAU.B/USD', source: 'XAU/USD' },
  { name: 'USA500.B/USD', source: 'USA500.IDX/USD' },
  { name: 'BTC.B/USD', source: 'BTC/USD' },
];
export const TWENTY_SIX: SymbolSpec[] = [...SIM_TWENTY.map(self), ...ALIASES];

export const PRESETS: Record<'default' | 'quick', Preset> = {
  default: {
    label: '10 symbols × 5 years of 1m',
    main: { name: 'main-10x5y', symbols: TEN, from: '2021-11-01', to: '2026-10-31', seed: SEED },
    small: { name: 'small-10x1y', symbols: TEN, from: '2025-11-01', to: '2026-10-31', seed: SEED },
    incremental: { symbols: TWENTY_SIX, historyDays: 365, longHistoryDays: 5 * 365 + 1, firstLiveDay: '2026-11-02', liveHourUtc: 21, steps: 5 },
    coldReps: 3,
    duckdbReps: 3,
    exportReps: 3,
    scanReps: 3,
    lookups: 10_000,
    window: 5000,
    api: { requests: 2000, seconds: 10, soak: 100_000 },
  },
  quick: {
    label: '3 symbols × 3 months of 1m (--quick)',
    main: { name: 'quick-3x3m', symbols: THREE, from: '2026-08-01', to: '2026-10-31', seed: SEED },
    small: { name: 'quick-3x1m', symbols: THREE, from: '2026-10-01', to: '2026-10-31', seed: SEED },
    incremental: { symbols: TWENTY_SIX, historyDays: 10, longHistoryDays: 60, firstLiveDay: '2026-11-02', liveHourUtc: 21, steps: 3 },
    coldReps: 1,
    duckdbReps: 2,
    exportReps: 1,
    scanReps: 2,
    lookups: 10_000,
    window: 5000,
    api: { requests: 300, seconds: 3, soak: 5000 },
  },
};

/** Issue #5's targets on this 2-core machine. `higher`: the figure must be ≥ value, else ≤ value. */
export interface Target {
  value: number;
  higher: boolean;
  text: string;
}

export const TARGETS = {
  transform: { value: 6e6, higher: true, text: '≥ 6M candles/s' },
  aggregate: { value: 1e9, higher: true, text: '≥ 1 GB/s' },
  resample: { value: 20e6, higher: true, text: '≥ 20M 1m candles/s' },
  coldEndToEnd: { value: 5e6, higher: true, text: '≥ 5M candles/s' },
  vsDuckdb: { value: 2, higher: true, text: '≥ 2× DuckDB' },
  incremental: { value: 0.25, higher: false, text: '≤ 0.25 s' },
  noopRun: { value: 0.15, higher: false, text: '≤ 0.15 s' },
  cliStartup: { value: 0.08, higher: false, text: '≤ 80 ms' },
  scanVsRaw: { value: 0.5, higher: true, text: '≥ 50% of raw read' },
  lookupP50: { value: 1, higher: false, text: 'p50 ≤ 1 ms' },
  rssGrowth: { value: 1.25, higher: false, text: 'flat (≤ 1.25× for 5× data)' },
  exportCsv: { value: 2, higher: true, text: '≥ 2× DuckDB COPY' },
  exportParquet: { value: 1, higher: true, text: '≥ 1× DuckDB COPY' },
  exportRss: { value: 1.25, higher: false, text: 'flat (≤ 1.25× for 5× rows)' },
  apiP50: { value: 2, higher: false, text: 'p50 ≤ 2 ms' },
  apiP99: { value: 10, higher: false, text: 'p99 ≤ 10 ms' },
  apiIndicatorsP50: { value: 5, higher: false, text: 'p50 ≤ 5 ms' },
  apiReqPerSec: { value: 1500, higher: true, text: '≥ 1500 req/s' },
  apiRssFlat: { value: 1.1, higher: false, text: 'flat (≤ 1.1×)' },
  apiStoreLength: { value: 1.2, higher: false, text: 'same p50 (≤ 1.2×)' },
} satisfies Record<string, Target>;

/** DESIGN §9: the seed's Python project on an 8-core NVMe laptop, 26 symbols × 20 years. */
export const REFERENCE = {
  machine: '8-core NVMe laptop (Python, bp.markets.ingest/dukascopy)',
  transform: '1.35M candles/s',
  aggregate: '5M candles/s',
  resample: '1M candles/s',
  // 26 × 20 years ≈ 520 symbol-years × ≈ 0.37 M candles (FX) ≈ 190 M candles in ≈ 234 s.
  coldEndToEnd: '≈ 0.8M candles/s (26 sym × 20 y in ~3.9 min)',
  incremental: '0.67 s',
  lookup: '17 ms (API query)',
  api: '8–10 ms a 1000-candle query, 15 ms with one indicator, 22 queries/s',
};
