// The shape every indicator module exports: its metadata (parameters with defaults and bounds, outputs,
// exact warm-up) and one compute function over column arrays. Columns are Float64Arrays so a request for
// 100k bars allocates a handful of arrays, never an object per bar.

/** The bars an indicator reads, oldest first; all arrays have the same length. */
export interface Bars {
  readonly length: number;
  /** Bar open time, ms since epoch in store time (UTC + the store's time shift). */
  readonly ts: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

export interface ParamSpec {
  name: string;
  description: string;
  default: number;
  min: number;
  max: number;
  /** Whole numbers only (periods); otherwise any finite number in [min, max] (multipliers). */
  integer: boolean;
}

/** What the warm-up may depend on besides the params: the timeframe's shortest bar length. */
export interface WarmupContext {
  /** Shortest possible bar of the timeframe in ms (1m: 60000; 1M: 28 days). */
  barMs: number;
}

export interface IndicatorDef {
  name: string;
  title: string;
  description: string;
  params: readonly ParamSpec[];
  /** Output column names; one Float64Array each from compute, NaN where the value is not defined yet. */
  outputs: readonly string[];
  /** Drawn over prices (true) or in its own pane (false): a hint for charts. */
  overlay: boolean;
  /**
   * Bars before a row that must be read so the row's values equal those of a computation over the whole
   * history (to 1e-12 relative for infinite-memory recursions, see math.ts SETTLE). Infinity: the value
   * depends on every earlier bar (cumulative sums, path-dependent state), so the whole history is read.
   */
  warmup(params: readonly number[], ctx: WarmupContext): number;
  /** Text of the warm-up rule for /v1/indicators (e.g. "period - 1"). */
  warmupText: string;
  compute(bars: Bars, params: readonly number[]): Float64Array[];
}

export const DAY_MS = 86_400_000;

/** Most bars of this timeframe that fit in `days` store-time days (at least 1 a day). */
export function barsPerDays(ctx: WarmupContext, days: number): number {
  return Math.max(days, Math.ceil((days * DAY_MS) / ctx.barMs));
}
