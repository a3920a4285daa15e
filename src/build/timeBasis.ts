// The time axis a store's bars are labelled on, for export metadata and Parquet's isAdjustedToUTC.
// Stores record no shift of their own yet (the header's `definition` is a fingerprint, not a readable rule),
// so this is derived from the root's config, the same settings transform applied: `transform.symbols`'
// time_shift_ms / time_shift_rule for the symbol. A root whose config changed since its stores were built
// is refused by `run` (integrity issue), so the config is the stores' basis for any root `run` accepts.
import type { Config } from '../config/schema.js';
import { resolveSymbolSettings } from '../config/symbolSettings.js';

export interface TimeBasis {
  /** True when bar times are UTC (no shift). */
  utc: boolean;
  /** Human-readable: `UTC`, `UTC+02:00`, `broker time: America/New_York DST UTC+03:00, else UTC+02:00`. */
  text: string;
}

export function timeBasisOf(config: Config, symbol: string): TimeBasis {
  const { shift } = resolveSymbolSettings(config.transform.symbols, symbol);
  if (shift.kind === 'zone') {
    return { utc: false, text: `broker time: ${shift.zone} DST ${offsetText(shift.dstMs ?? 0)}, else ${offsetText(shift.stdMs ?? 0)}` };
  }
  return shift.fixedMs === 0 ? { utc: true, text: 'UTC' } : { utc: false, text: offsetText(shift.fixedMs) };
}

function offsetText(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  const minutes = Math.round(Math.abs(ms) / 60_000);
  return `UTC${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}
