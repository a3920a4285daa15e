// What each derived store of a symbol depends on, as definition objects (store/definition.ts): the config
// says what they must be; the sidecars say what the stores on disk were built with.
//   1m (transform day files and the aggregate store): the time shift and the decimals of every price.
//   a timeframe: its rule, source, origin/label/closed, the symbol's session, and its source's definition
//   down to the 1m time axis (the time shift), so a change anywhere below changes every timeframe above.
// Decimals are not part of a timeframe's definition: resampling copies prices, it never rounds them (a
// decimals change rebuilds the 1m data, and everything above with it). The symbol is not either: the
// header names it, and the same data under the same settings gives the same bytes for any symbol.
import type { Config } from './schema.js';
import { matchingPatterns, resolveSymbolSettings, type ShiftRule } from './symbolSettings.js';
import { readDefinitionFile, type Json } from '../store/definition.js';
import type { Layout } from '../paths.js';
import type { Stage } from '../errors.js';
import { sideOf, type Side } from '../dukascopy/series.js';

export type Definition = { [key: string]: Json };

/** `{time_shift_ms: N}` or `{time_shift_rule: {zone, dst_ms, std_ms}}`: the config's own words. */
export function timeShiftJson(rule: ShiftRule): Definition {
  return rule.kind === 'fixed'
    ? { time_shift_ms: rule.fixedMs }
    : { time_shift_rule: { zone: rule.zone!, dst_ms: rule.dstMs!, std_ms: rule.stdMs! } };
}

/** The inverse of timeShiftJson; undefined for anything else. */
export function shiftRuleOf(json: Json | undefined): ShiftRule | undefined {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return undefined;
  if (typeof json.time_shift_ms === 'number') return { kind: 'fixed', fixedMs: json.time_shift_ms };
  const r = json.time_shift_rule;
  if (r && typeof r === 'object' && !Array.isArray(r) && typeof r.zone === 'string' && typeof r.dst_ms === 'number' && typeof r.std_ms === 'number') {
    return { kind: 'zone', fixedMs: 0, zone: r.zone, dstMs: r.dst_ms, stdMs: r.std_ms };
  }
  return undefined;
}

/**
 * What a symbol's 1m day files and store were built with, from its definition file (undefined: none, or
 * not a 1m definition): the transform options that make them again (`verify --deep` decodes with these).
 */
export function recordedOneMinute(layout: Layout, symbol: string, stage: Stage): { shift: ShiftRule; decimals: number; fit: 'round' | 'scale'; fingerprint: number } | undefined {
  const file = readDefinitionFile(layout.aggregateDefinition(symbol), stage);
  const shift = shiftRuleOf(file?.definition.time_shift);
  if (!file || !shift || typeof file.definition.decimals !== 'number') return undefined;
  // Decimals set by round_decimals round a finer multiplier; the instrument's take coarser ones exactly.
  const fit = typeof file.notes.decimals_key === 'string' ? 'round' : 'scale';
  return { shift, decimals: file.definition.decimals, fit, fingerprint: file.fingerprint };
}

/**
 * The definition of a series' 1m day files and store. The ASK side adds `side: "ASK"`, so its fingerprint
 * (in every header and sidecar of the series) differs from the BID one's, whose definition is unchanged
 * from before sides existed (its stores keep their bytes).
 */
export function oneMinuteDefinition(shift: ShiftRule, decimals: number, side: Side = 'BID'): Definition {
  return { timeframe: '1m', time_shift: timeShiftJson(shift), decimals, ...sideField(side) };
}

/** `{}` for BID, `{side: "ASK"}` for ASK: the side in a definition (absent for BID, as before sides existed). */
function sideField(side: Side): Definition {
  return side === 'BID' ? {} : { side };
}

/** The session config entry of `symbol` (most specific pattern), and its key; null = none. */
export function sessionOf(config: Config, symbol: string): { key: string | undefined; session: Json } {
  const matching = matchingPatterns(config.sessions, symbol);
  if (matching.length === 0) return { key: undefined, session: null };
  const [pattern, s] = matching[matching.length - 1];
  return { key: `sessions.${JSON.stringify(pattern)}`, session: (s ?? null) as unknown as Json };
}

export interface TimeframeSpec {
  name: string;
  rule: string;
  source: string;
}

/**
 * The definitions of `symbol`'s timeframes, by name (`timeframes` in dependency order: every source first).
 * The base of every chain is the 1m time axis `{timeframe: 1m, time_shift}`.
 */
export function timeframeDefinitions(config: Config, symbol: string, timeframes: readonly TimeframeSpec[]): Map<string, Definition> {
  const { shift } = resolveSymbolSettings(config.transform.symbols, symbol);
  const { session } = sessionOf(config, symbol);
  const out = new Map<string, Definition>([['1m', { timeframe: '1m', time_shift: timeShiftJson(shift), ...sideField(sideOf(symbol)) }]]);
  for (const tf of timeframes) {
    out.set(tf.name, {
      timeframe: tf.name,
      rule: tf.rule,
      source: tf.source,
      origin: 'session',
      label: 'left',
      closed: 'left',
      session,
      source_definition: out.get(tf.source) ?? null,
    });
  }
  out.delete('1m');
  return out;
}
