// The instrument documents of a command's symbols (download/instruments.ts), loaded once under the run lock
// before anything else (so an unknown symbol stops the run before any day is fetched) and kept per context
// for the stages that use them: the range (a new symbol starts at its first minute), the decimals
// (transform/instrumentDecimals.ts reads the cached file), `sessions: auto` (resolved here into the config,
// so definitions and the resampler see a plain session) and verify's gaps.
import type { InstrumentDocument } from '../dukascopy/instrument.js';
import { loadInstruments, readCachedInstrument } from '../download/instruments.js';
import { resolveAutoSessions } from '../config/autoSessions.js';
import type { RunContext } from './context.js';
import { baseSymbol } from '../dukascopy/series.js';
import { clientOptions } from '../download/options.js';

const loaded = new WeakMap<RunContext, Map<string, InstrumentDocument>>();

export interface PrepareInstrumentsOptions {
  /** false: cached documents only (`--no-download`). */
  download: boolean;
  /** Fetch every document again (`rebuild weekly`). */
  refresh?: boolean;
  signal?: AbortSignal;
}

/**
 * Load (fetch or read) the documents of ctx.symbols and resolve `sessions: auto` with them. Throws
 * NO_SUCH_INSTRUMENT (exit 2) for names the service does not know, before any day is fetched.
 */
export async function prepareInstruments(ctx: RunContext, opts: PrepareInstrumentsOptions): Promise<Map<string, InstrumentDocument>> {
  const { docs, fetched } = await loadInstruments(ctx.layout, ctx.symbols, {
    download: opts.download,
    refresh: opts.refresh,
    signal: opts.signal,
    client: clientOptions(ctx.config.download),
  });
  if (fetched > 0) ctx.log(`instruments: ${fetched} document${fetched === 1 ? '' : 's'} fetched into ${ctx.layout.instrumentsDir}`);
  const missing = ctx.symbols.filter((s) => !docs.has(s));
  if (missing.length > 0) {
    ctx.warn(`no cached instrument document for ${missing.join(', ')} (offline): decimals from the days' multiplier, a new store starts at download.start_date or the earliest cached day; a run with downloads fetches it`);
  }
  loaded.set(ctx, docs);
  ctx.config = resolveAutoSessions(ctx.config, ctx.symbols, docs);
  return docs;
}

/** The document prepareInstruments loaded for a symbol or either side's series key (`EUR/USD:ASK`), if any. */
export function instrumentOf(ctx: RunContext, key: string): InstrumentDocument | undefined {
  return loaded.get(ctx)?.get(baseSymbol(key));
}

/** Cached documents only, for commands that never download (verify): symbol → document. */
export async function cachedInstruments(ctx: RunContext): Promise<Map<string, InstrumentDocument>> {
  const out = new Map<string, InstrumentDocument>();
  for (const s of ctx.symbols) {
    const c = await readCachedInstrument(ctx.layout, s);
    if (c) out.set(s, c.doc);
  }
  return out;
}
