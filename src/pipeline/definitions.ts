// Settings that change derived data (time shift, decimals, sessions, timeframe rules) against the
// definitions the stores on disk were built with (their `.def.json` files, store/definition.ts).
//   checkDefinitions: before any stage (under the run lock). A store built with other settings stops the run
//     with exit 2 naming the setting, the old and the new value and the `rebuild` that fixes it; with
//     `run --rebuild-on-change` the affected layers of the affected symbols are deleted here and the stages
//     build them again: a time shift or decimals change = the symbol's day files, 1m store and timeframes
//     (`rebuild full`); a timeframe change = that timeframe and every timeframe built from it.
//   recordDefinitions: after the download, before the transform writes anything: the definition of every
//     layer that has none yet, so each store's definition is on disk before its first data. The symbol's
//     decimals are fixed here, once: round_decimals, else the instrument's (transform/instrumentDecimals.ts).
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import { removeStaleTempsSync } from '../util/fsx.js';
import { ConfigError } from '../errors.js';
import { oneMinuteDefinition, sessionOf, timeShiftJson, type Definition } from '../config/definitions.js';
import { resolveSymbolSettings, settingKey, type ResolvedSymbolSettings } from '../config/symbolSettings.js';
import { resolveSymbolPlan, type SymbolPlan } from '../timeframes/plan.js';
import { canonicalJson, definitionFile, readDefinitionFile, writeDefinitionFile, type DefinitionFile, type Json } from '../store/definition.js';
import { instrumentDecimals, instrumentDecimalsWithSource } from '../transform/instrumentDecimals.js';
import { HEADER_SIZE, decodeHeader } from '../store/format.js';
import type { RunContext } from './context.js';
import { baseSymbol, sideOf } from '../dukascopy/series.js';
import { derivedFiles, removeFiles, timeframeFiles, type DerivedLayer } from './derived.js';

/** One setting that differs between a store on disk and the config. */
export interface DefinitionChange {
  symbol: string;
  /** '1m' (day files + 1m store + everything above) or the name of a timeframe. */
  layer: string;
  /** The config key, e.g. `transform.symbols."*".time_shift_ms`. */
  setting: string;
  old: string;
  new: string;
}

export interface CheckOptions {
  /** Delete what was built with other settings (the stages rebuild it) instead of stopping. */
  rebuildOnChange: boolean;
  /** `rebuild`: this layer and those above it are deleted anyway, so they are not checked. */
  keeping?: DerivedLayer;
}

export interface CheckResult {
  changes: DefinitionChange[];
  /** Symbols whose day files, 1m store and timeframes were deleted (--rebuild-on-change). */
  rebuiltSymbols: string[];
  /** symbol → timeframes deleted (--rebuild-on-change). */
  rebuiltTimeframes: Map<string, string[]>;
}

/** How the transform writes a symbol's day files (TransformTask). */
export interface OneMinuteSettings {
  /** undefined while no day of the symbol has had a candle and round_decimals is not set. */
  decimals: number | undefined;
  fit: 'round' | 'exact' | 'scale';
  /** The 1m definition's fingerprint (0: none recorded yet). */
  fingerprint: number;
}

/**
 * Per command: each symbol's plan (resolved once for the check and the recording), and the timeframe
 * definition files the check found equal to the config, which the recording need not read again.
 */
const perRun = new WeakMap<RunContext, { plans: Map<string, SymbolPlan>; current: Set<string> }>();

function runState(ctx: RunContext): { plans: Map<string, SymbolPlan>; current: Set<string> } {
  let state = perRun.get(ctx);
  if (!state) perRun.set(ctx, (state = { plans: new Map(), current: new Set() }));
  return state;
}

function planOf(ctx: RunContext, symbol: string): SymbolPlan {
  const { plans } = runState(ctx);
  let plan = plans.get(symbol);
  if (!plan) plans.set(symbol, (plan = resolveSymbolPlan(ctx.config, symbol)));
  return plan;
}

export async function checkDefinitions(ctx: RunContext, opts: CheckOptions): Promise<CheckResult> {
  const { layout, config, series: symbols } = ctx;
  const result: CheckResult = { changes: [], rebuiltSymbols: [], rebuiltTimeframes: new Map() };
  if (opts.keeping === 'full') return result;
  const settings = new Map(symbols.map((s) => [s, resolveSymbolSettings(config.transform.symbols, s)]));
  const recorded = new Map(symbols.map((s) => [s, readDefinitionFile(layout.aggregateDefinition(s), 'Aggregate')]));
  // The instrument's decimals are read from the cache only when the config no longer sets them and the
  // recorded definition does not know them (its decimals came from round_decimals).
  const scan = symbols.filter((s) => {
    const r = recorded.get(s);
    return r !== undefined && settings.get(s)!.roundDecimals === undefined && typeof r.notes.instrument_decimals !== 'number';
  });
  const scanned = await instrumentDecimals(layout, scan);
  const timeframeChanges = new Map<string, { changes: DefinitionChange[]; rebuild: string[] }>();
  for (const symbol of symbols) {
    const r = recorded.get(symbol);
    const own = r
      ? oneMinuteChanges(symbol, r, settings.get(symbol)!, scanned.get(symbol))
      : await unrecordedOneMinuteChanges(ctx, symbol, settings.get(symbol)!);
    result.changes.push(...own);
    if (own.length > 0 || opts.keeping !== undefined) continue;
    const tf = checkTimeframes(ctx, symbol, planOf(ctx, symbol), settings.get(symbol)!);
    if (tf.rebuild.length > 0) timeframeChanges.set(symbol, tf);
    result.changes.push(...tf.changes);
  }
  if (result.changes.length === 0) return result;
  if (!opts.rebuildOnChange) throw new ConfigError(describeChanges(result.changes), undefined, 'DEFINITION_CHANGED');

  for (const line of describeChanges(result.changes, true).split('\n')) ctx.log(`settings changed: ${line}`);
  result.rebuiltSymbols = [...new Set(result.changes.filter((c) => c.layer === '1m').map((c) => c.symbol))];
  const files = await derivedFiles(layout, result.rebuiltSymbols, 'full');
  for (const [symbol, { rebuild }] of timeframeChanges) {
    result.rebuiltTimeframes.set(symbol, rebuild);
    for (const tf of rebuild) files.push(...timeframeFiles(layout, tf, symbol));
  }
  const { current } = runState(ctx);
  for (const f of files) current.delete(f);
  const removed = await removeFiles(files);
  const what = [
    ...result.rebuiltSymbols.map((s) => `${s} (day files, 1m store, timeframes)`),
    ...[...result.rebuiltTimeframes].map(([s, tfs]) => `${s} (${tfs.join(', ')})`),
  ];
  ctx.log(`rebuild on change: removed ${removed} files of ${what.join('; ')}; this run builds them again`);
  return result;
}

/** Differences between a symbol's recorded 1m definition and the config. */
function oneMinuteChanges(symbol: string, recorded: DefinitionFile, settings: ResolvedSymbolSettings, scannedDecimals: number | undefined): DefinitionChange[] {
  const out: DefinitionChange[] = [];
  const def = recorded.definition;
  const notes = recorded.notes;
  const add = (setting: string, old: string, now: string) => out.push({ symbol, layer: '1m', setting, old, new: now });
  const shift = timeShiftJson(settings.shift);
  if (canonicalJson(def.time_shift) !== canonicalJson(shift)) {
    const key = settings.shiftKey ?? stringNote(notes.time_shift_key) ?? settingKey(symbol, 'time_shift_ms');
    const sameKind = Object.keys((def.time_shift ?? {}) as object)[0] === Object.keys(shift)[0];
    add(key, formatShift(def.time_shift, !sameKind), formatShift(shift, !sameKind));
  }
  const instrument = typeof notes.instrument_decimals === 'number' ? notes.instrument_decimals : scannedDecimals;
  const decimals = settings.roundDecimals ?? instrument;
  if (decimals !== undefined && decimals !== def.decimals) {
    const key = settings.roundDecimalsKey ?? stringNote(notes.decimals_key) ?? settingKey(symbol, 'round_decimals');
    add(key, describeDecimals(def.decimals, stringNote(notes.decimals_key) === undefined), describeDecimals(decimals, settings.roundDecimalsKey === undefined));
  }
  if (out.length === 0 && decimals !== undefined) {
    // Anything else recorded differently (a field of another version) is a change too.
    const expected = definitionFile(oneMinuteDefinition(settings.shift, decimals, sideOf(symbol)));
    if (expected.fingerprint !== recorded.fingerprint) add(`the 1m definition of ${symbol}`, canonicalJson(def), canonicalJson(expected.definition));
  }
  return out;
}

/**
 * A 1m store without its definition file (deleted by hand): its header's fingerprint still says whether it
 * was built with the current settings, though no longer with which others.
 */
async function unrecordedOneMinuteChanges(ctx: RunContext, symbol: string, settings: ResolvedSymbolSettings): Promise<DefinitionChange[]> {
  const stored = storeDefinition(ctx.layout.aggregateStore(symbol));
  if (!stored) return [];
  const decimals = settings.roundDecimals ?? (await instrumentDecimals(ctx.layout, [symbol])).get(symbol);
  if (decimals === undefined) return [];
  const expected = definitionFile(oneMinuteDefinition(settings.shift, decimals, sideOf(symbol)));
  if (expected.fingerprint === stored) return [];
  return [{ symbol, layer: '1m', setting: `the settings of the 1m data (time shift, decimals) of ${symbol}`, old: unknownDefinition(stored, ctx.layout.aggregateDefinition(symbol)), new: canonicalJson(expected.definition) }];
}

/** The `definition` fingerprint in a store's header; undefined when there is no store or none recorded (a damaged header is the stages' to report). */
function storeDefinition(file: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.alloc(HEADER_SIZE);
    const n = readSync(fd, buf, 0, HEADER_SIZE, 0);
    const definition = decodeHeader(buf.subarray(0, n), file, 'Config').definition;
    return definition === 0 ? undefined : definition;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function unknownDefinition(fingerprint: number, defFile: string): string {
  return `unknown settings (fingerprint 0x${fingerprint.toString(16).padStart(8, '0')}; ${defFile} is missing)`;
}

/** Timeframes of `symbol` built with another definition (and those built from them), with the settings that differ. */
function checkTimeframes(ctx: RunContext, symbol: string, plan: SymbolPlan, settings: ResolvedSymbolSettings): { changes: DefinitionChange[]; rebuild: string[] } {
  const { layout } = ctx;
  const changes: DefinitionChange[] = [];
  const rebuild = new Set<string>();
  const session = sessionOf(ctx.config, symbol);
  for (const tf of plan.timeframes) {
    const recorded = readDefinitionFile(layout.resampleDefinition(tf.name, symbol), 'Resample');
    const built = existsSync(layout.resampleStore(tf.name, symbol)) || existsSync(layout.resampleIndex(tf.name, symbol));
    const sourceRebuilt = rebuild.has(tf.source);
    if (sourceRebuilt && built) rebuild.add(tf.name);
    if (!recorded) {
      // Built, but its definition file is gone: the header's fingerprint still tells whether it matches.
      const stored = built ? storeDefinition(layout.resampleStore(tf.name, symbol)) : undefined;
      if (stored !== undefined && stored !== tf.fingerprint) {
        rebuild.add(tf.name);
        if (!sourceRebuilt) changes.push({ symbol, layer: tf.name, setting: tf.key, old: unknownDefinition(stored, layout.resampleDefinition(tf.name, symbol)), new: canonicalJson(tf.definition) });
      }
      continue;
    }
    if (recorded.fingerprint === tf.fingerprint) {
      runState(ctx).current.add(layout.resampleDefinition(tf.name, symbol));
      continue;
    }
    // A definition that describes nothing built yet: recordDefinitions writes the current one.
    if (!built) continue;
    rebuild.add(tf.name);
    const old = recorded.definition;
    const now = tf.definition;
    const add = (setting: string, a: string, b: string) => changes.push({ symbol, layer: tf.name, setting, old: a, new: b });
    const before = changes.length;
    for (const field of ['rule', 'source', 'origin', 'label', 'closed']) {
      if (canonicalJson(old[field] ?? null) !== canonicalJson(now[field])) add(`${tf.key}.${field}`, formatValue(old[field]), formatValue(now[field]));
    }
    if (canonicalJson(old.session ?? null) !== canonicalJson(now.session)) {
      add(session.key ?? stringNote(recorded.notes.session_key) ?? `sessions.${JSON.stringify(symbol)}`, formatSession(old.session), formatSession(now.session));
    }
    if (changes.length === before && !sourceRebuilt) {
      // Only the chain below differs, and no source above the 1m store was rebuilt: the time axis.
      const oldShift = baseOf(old).time_shift;
      const newShift = baseOf(now).time_shift;
      if (canonicalJson(oldShift ?? null) !== canonicalJson(newShift ?? null)) {
        const sameKind = Object.keys((oldShift ?? {}) as object)[0] === Object.keys((newShift ?? {}) as object)[0];
        add(settings.shiftKey ?? settingKey(symbol, 'time_shift_ms'), formatShift(oldShift, !sameKind), formatShift(newShift, !sameKind));
      } else add(`${tf.key}`, canonicalJson(old), canonicalJson(now));
    }
  }
  return { changes, rebuild: plan.timeframes.map((t) => t.name).filter((n) => rebuild.has(n)) };
}

/**
 * Write the definition of every layer of every symbol that has none (or one describing nothing built yet),
 * and return how the transform must write each symbol's days. Called after the download (the instrument's
 * decimals come from the days) and before the transform (a definition is on disk before its data).
 */
export async function recordDefinitions(ctx: RunContext): Promise<Map<string, OneMinuteSettings>> {
  const { layout, config, series: symbols } = ctx;
  const out = new Map<string, OneMinuteSettings>();
  const settings = new Map(symbols.map((s) => [s, resolveSymbolSettings(config.transform.symbols, s)]));
  // Temp files of a definition write that a kill interrupted (the run lock is held: nobody else writes
  // them); each index folder listed once.
  const listings = new Map<string, string[]>();
  const clearTemps = (file: string) => removeStaleTempsSync(dirname(file), file, listings);
  const { current } = runState(ctx);
  const recorded = new Map(symbols.map((s) => {
    clearTemps(layout.aggregateDefinition(s));
    return [s, readDefinitionFile(layout.aggregateDefinition(s), 'Aggregate')];
  }));
  const scanned = new Map<string, number>();
  const sources = new Map<string, string>();
  for (const [symbol, d] of await instrumentDecimalsWithSource(layout, symbols.filter((s) => !recorded.get(s) && settings.get(s)!.roundDecimals === undefined))) {
    scanned.set(symbol, d.decimals);
    sources.set(symbol, d.source);
  }
  for (const symbol of symbols) {
    // Timeframes first: their definitions do not depend on the decimals.
    const session = sessionOf(config, symbol);
    for (const tf of planOf(ctx, symbol).timeframes) {
      const path = layout.resampleDefinition(tf.name, symbol);
      // Found equal by this run's check. A temp file is left only by a write that did not finish, and a
      // definition equal to the config is never written again: none can be beside it.
      if (current.has(path)) continue;
      clearTemps(path);
      if (readDefinitionFile(path, 'Resample')?.fingerprint === tf.fingerprint) continue;
      await writeDefinitionFile(path, definitionFile(tf.definition, { session_key: session.key ?? null }));
    }
    const s = settings.get(symbol)!;
    // Without round_decimals a day may be coarser than the instrument's scale (exact), never finer.
    const fit = s.roundDecimals === undefined ? 'scale' : 'round';
    let file = recorded.get(symbol);
    if (!file) {
      const decimals = s.roundDecimals ?? scanned.get(symbol);
      if (decimals === undefined) {
        // No day with a candle yet: nothing written so far depends on the decimals (empty days only).
        out.set(symbol, { decimals: undefined, fit, fingerprint: 0 });
        continue;
      }
      file = definitionFile(oneMinuteDefinition(s.shift, decimals, sideOf(symbol)), {
        time_shift_key: s.shiftKey ?? null,
        decimals_key: s.roundDecimalsKey ?? null,
        instrument_decimals: scanned.get(symbol) ?? null,
        // priceScale (the instrument document) or multiplier (its first day with candles, offline).
        decimals_source: sources.get(symbol) ?? null,
      });
      await writeDefinitionFile(layout.aggregateDefinition(symbol), file);
    }
    out.set(symbol, { decimals: file.definition.decimals as number, fit, fingerprint: file.fingerprint });
  }
  return out;
}

/** One line per (setting, old, new), symbols and timeframes gathered; with the rebuild command unless `brief`. */
export function describeChanges(changes: readonly DefinitionChange[], brief = false): string {
  const groups = new Map<string, { change: DefinitionChange; symbols: string[]; layers: string[] }>();
  for (const c of changes) {
    const full = c.layer === '1m';
    const key = `${full}\0${c.setting}\0${c.old}\0${c.new}`;
    const g = groups.get(key) ?? { change: c, symbols: [], layers: [] };
    if (!g.symbols.includes(c.symbol)) g.symbols.push(c.symbol);
    if (!g.layers.includes(c.layer)) g.layers.push(c.layer);
    groups.set(key, g);
  }
  return [...groups.values()]
    .map(({ change, symbols, layers }) => {
      const who = symbols.join(', ');
      const head = `${change.setting} changed from ${change.old} to ${change.new} for ${who}`;
      if (brief) return head;
      const full = change.layer === '1m';
      const what = full ? `the stores of ${who} were` : `the ${layers.join(', ')} timeframe${layers.length > 1 ? 's' : ''} of ${who} ${layers.length > 1 || symbols.length > 1 ? 'were' : 'was'}`;
      return `${head}: ${what} built with ${change.old}; run \`candlestore rebuild ${full ? 'full' : 'resample'} --symbols ${[...new Set(symbols.map(baseSymbol))].join(',')}\` (or \`candlestore run --rebuild-on-change\`)`;
    })
    .join('\n');
}

function baseOf(def: Definition): Definition {
  let d: Json = def;
  while (d && typeof d === 'object' && !Array.isArray(d) && d.timeframe !== '1m' && d.source_definition) d = d.source_definition;
  return d && typeof d === 'object' && !Array.isArray(d) ? d : {};
}

/** `7200000`, or `{"zone":…}` for a rule; with `withKind` the config key's name first (`time_shift_ms 0`). */
function formatShift(shift: Json | undefined, withKind: boolean): string {
  if (!shift || typeof shift !== 'object' || Array.isArray(shift)) return 'none';
  const [kind] = Object.keys(shift);
  const value = kind === 'time_shift_ms' ? String(shift[kind]) : canonicalJson(shift[kind] ?? null);
  return withKind ? `${kind} ${value}` : value;
}

function describeDecimals(decimals: Json | undefined, fromInstrument: boolean): string {
  return fromInstrument ? `${String(decimals)} (the instrument's)` : String(decimals);
}

function formatSession(session: Json | undefined): string {
  return session === null || session === undefined ? 'none' : canonicalJson(session);
}

function formatValue(v: Json | undefined): string {
  return v === undefined ? 'none' : typeof v === 'string' ? v : canonicalJson(v);
}

function stringNote(v: Json | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
