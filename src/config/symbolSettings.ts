// Resolve the per-symbol settings of `transform.symbols` for one symbol. Keys are exact names or patterns
// with `*` (`*`, `EUR/*`, `*.IDX/*`); every matching key applies, less specific first, so `*` gives the
// defaults and an exact name overrides them field by field.
import type { SidesSetting, SymbolSettings } from './schema.js';
import { baseSymbol, seriesKey, type Side } from '../dukascopy/series.js';
import { ConfigError } from '../errors.js';
import { MAX_HEADER_SYMBOL } from '../store/format.js';

export interface ShiftRule {
  kind: 'fixed' | 'zone';
  fixedMs: number;
  zone?: string;
  dstMs?: number;
  stdMs?: number;
}

export interface ResolvedSymbolSettings {
  shift: ShiftRule;
  /** undefined = the instrument's own decimals. */
  roundDecimals: number | undefined;
  /** The config keys that set `shift` and `roundDecimals` (undefined: the default), for messages. */
  shiftKey: string | undefined;
  roundDecimalsKey: string | undefined;
}

export function patternMatches(pattern: string, symbol: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('[^/]*')}$`);
  // A bare `*` matches the whole name, slash included.
  return pattern === '*' || re.test(symbol);
}

/**
 * An exact name beats every pattern; among patterns, more literal characters = more specific, so the bare
 * `*` is always the least specific and `*.IDX/*` overrides it. Ties keep the order of the config file.
 */
function specificity(pattern: string): number {
  if (!pattern.includes('*')) return Number.MAX_SAFE_INTEGER;
  return pattern.replaceAll('*', '').length;
}

/**
 * The entries of `table` whose pattern matches `symbol`, least specific first (apply in this order). A series
 * key (`EUR/USD:ASK`, dukascopy/series.ts) matches as its symbol: both sides share the symbol's settings.
 */
export function matchingPatterns<T>(table: Record<string, T>, symbol: string): [string, T][] {
  const name = baseSymbol(symbol);
  return Object.entries(table)
    .filter(([pattern]) => patternMatches(pattern, name))
    .sort(([a], [b]) => specificity(a) - specificity(b));
}

export function resolveSymbolSettings(table: Record<string, SymbolSettings>, symbol: string): ResolvedSymbolSettings {
  const matching = matchingPatterns(table, symbol);
  let shift: ShiftRule = { kind: 'fixed', fixedMs: 0 };
  let roundDecimals: number | undefined;
  let shiftKey: string | undefined;
  let roundDecimalsKey: string | undefined;
  for (const [pattern, s] of matching) {
    if (s.time_shift_ms !== undefined) {
      shift = { kind: 'fixed', fixedMs: s.time_shift_ms };
      shiftKey = settingKey(pattern, 'time_shift_ms');
    }
    if (s.time_shift_rule !== undefined) {
      const r = s.time_shift_rule;
      shift = { kind: 'zone', fixedMs: 0, zone: r.zone, dstMs: r.dst_ms, stdMs: r.std_ms };
      shiftKey = settingKey(pattern, 'time_shift_rule');
    }
    if (s.round_decimals !== undefined) {
      roundDecimals = s.round_decimals;
      roundDecimalsKey = settingKey(pattern, 'round_decimals');
    }
  }
  return { shift, roundDecimals, shiftKey, roundDecimalsKey };
}

/** `transform.symbols."*".time_shift_ms`: the pattern quoted, as a user would look for it in the YAML. */
export function settingKey(pattern: string, field: 'time_shift_ms' | 'time_shift_rule' | 'round_decimals'): string {
  return `transform.symbols.${JSON.stringify(pattern)}.${field}`;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/** The sides kept for `symbol` (`sides`: one list for all, or the most specific matching pattern's), BID first. */
export function resolveSides(setting: SidesSetting, symbol: string): Side[] {
  let sides: Side[] = ['BID'];
  if (Array.isArray(setting)) sides = setting;
  else {
    const matching = matchingPatterns(setting, symbol);
    if (matching.length > 0) sides = matching[matching.length - 1][1];
  }
  return sides.includes('ASK') ? ['BID', 'ASK'] : ['BID'];
}

/**
 * Every series of `symbols` (dukascopy/series.ts): each symbol's BID series, then its ASK series where
 * `sides` asks for it. The key is the store header's symbol field, so it must fit it: a symbol too long for
 * `SYMBOL:ASK` is a config error naming the `sides` key.
 */
export function seriesOf(setting: SidesSetting, symbols: readonly string[]): string[] {
  const out: string[] = [];
  for (const symbol of symbols) {
    for (const side of resolveSides(setting, symbol)) {
      const key = seriesKey(symbol, side);
      if (key.length > MAX_HEADER_SYMBOL) {
        throw new ConfigError(`sides: ${symbol} has ${symbol.length} characters; its ${side} series ${key} must fit the store header's ${MAX_HEADER_SYMBOL} (keep at most ${MAX_HEADER_SYMBOL - key.length + symbol.length} characters for a symbol with ${side})`, undefined, 'CONFIG_INVALID');
      }
      out.push(key);
    }
  }
  return out;
}
