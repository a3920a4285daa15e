// Instrument documents (`GET {base_url}/v1/instruments/{CODE}`, dukascopy/instrument.ts): fetched once per
// symbol with the day downloads' client (same global rate limit, retries with backoff, deadlines), validated,
// and kept exactly as served in cache/instruments/CODE.json (temp + fsync + rename). A cached document is
// used as it is until it is older than REFRESH_MS (by the file's modification time and the real clock, not
// `--now`) or a refresh is asked for (`rebuild weekly`); offline (`run --no-download`) only the cache is read.
// A 404 means the service has no such instrument: every unknown symbol is reported at once (exit 2), with the
// nearest names of the built-in catalogue and of the cached documents, before any day is fetched.
import { readdir, readFile, stat } from 'node:fs/promises';
import { ConfigError, CorruptFileError, DownloadError } from '../errors.js';
import { KNOWN_INSTRUMENTS, nearestNames } from '../dukascopy/catalogue.js';
import { parseInstrumentDocument, type InstrumentDocument } from '../dukascopy/instrument.js';
import { symbolFileName } from '../dukascopy/symbolCode.js';
import type { Layout } from '../paths.js';
import { DAY_MS } from '../util/dates.js';
import { writeFileAtomic } from '../util/fsx.js';
import type { DownloadOptions } from './client.js';

/** A cached document older than this is fetched again. */
export const REFRESH_MS = 7 * DAY_MS;

export interface CachedInstrument {
  doc: InstrumentDocument;
  /** Modification time of the cache file (when it was fetched). */
  fetchedAt: number;
}

export interface LoadInstrumentsOptions {
  /** false: the cache only (`--no-download`); a symbol without a cached document gets none. */
  download: boolean;
  /** Fetch every document again, however young (`rebuild weekly`). */
  refresh?: boolean;
  client: DownloadOptions;
  /** The real clock (ages of cache files); default Date.now. */
  now?: () => number;
  signal?: AbortSignal;
  /** Return unknown names (404) in `unknown` instead of refusing them (the catalogue listing). */
  keepUnknown?: boolean;
}

export interface LoadedInstruments {
  docs: Map<string, InstrumentDocument>;
  /** Names the service answered 404 (only with keepUnknown). */
  unknown: string[];
  /** Documents fetched by this call. */
  fetched: number;
  requests: number;
}

/** `{base_url}/v1/instruments/{CODE}`. */
export function instrumentUrl(baseUrl: string, symbol: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/v1/instruments/${symbolFileName(symbol)}`;
}

/** The cached document of `symbol`, undefined when there is none; BAD_INSTRUMENT when it is damaged. */
export async function readCachedInstrument(layout: Layout, symbol: string): Promise<CachedInstrument | undefined> {
  const file = layout.instrumentDocument(symbol);
  let text: string;
  let mtime: number;
  try {
    [text, mtime] = await Promise.all([readFile(file, 'utf8'), stat(file).then((s) => s.mtimeMs)]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed = parseInstrumentDocument(text, symbol);
  if ('problem' in parsed) throw new CorruptFileError('Config', file, `not an instrument document of ${symbol}: ${parsed.problem}; delete it to fetch it again`, undefined, 'BAD_INSTRUMENT');
  return { doc: parsed.doc, fetchedAt: mtime };
}

/** Every cached document's symbol (the names of the catalogue the service answered beyond the built-in list). */
export async function cachedInstrumentNames(layout: Layout): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(layout.instrumentsDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: string[] = [];
  for (const n of names) {
    if (!n.endsWith('.json')) continue;
    try {
      const doc = JSON.parse(await readFile(`${layout.instrumentsDir}/${n}`, 'utf8')) as { name?: unknown };
      if (typeof doc.name === 'string' && symbolFileName(doc.name) === n.slice(0, -5)) out.push(doc.name);
    } catch {
      // A damaged file names nothing; reading it for use reports it.
    }
  }
  return out;
}

/** The known names nearest to `symbol`, for an error message. */
export async function suggestionsFor(layout: Layout, symbol: string): Promise<string[]> {
  const names = new Set([...KNOWN_INSTRUMENTS, ...(await cachedInstrumentNames(layout))]);
  names.delete(symbol);
  return nearestNames(symbol, [...names]);
}

/**
 * The documents of `symbols`: from the cache when young enough, else fetched (and cached). Unknown symbols
 * (404) are collected and reported together: ConfigError NO_SUCH_INSTRUMENT, exit 2.
 */
export async function loadInstruments(layout: Layout, symbols: readonly string[], opts: LoadInstrumentsOptions): Promise<LoadedInstruments> {
  const now = opts.now ?? Date.now;
  const docs = new Map<string, InstrumentDocument>();
  const toFetch: string[] = [];
  for (const symbol of symbols) {
    let cached: CachedInstrument | undefined;
    try {
      cached = await readCachedInstrument(layout, symbol);
    } catch (err) {
      // A damaged cache file is fetched again when we may; offline it is the error.
      if (!(err instanceof CorruptFileError) || !opts.download) throw err;
    }
    const fresh = cached !== undefined && !opts.refresh && now() - cached.fetchedAt < REFRESH_MS;
    if (cached && (fresh || !opts.download)) docs.set(symbol, cached.doc);
    else if (opts.download) toFetch.push(symbol);
  }
  if (toFetch.length === 0) return { docs, unknown: [], fetched: 0, requests: 0 };

  const { DownloadClient } = await import('./client.js');
  const client = new DownloadClient(opts.client);
  const unknown: string[] = [];
  let next = 0;
  const lane = async () => {
    while (next < toFetch.length) {
      const symbol = toFetch[next++];
      const url = instrumentUrl(opts.client.baseUrl, symbol);
      try {
        const text = await client.fetchDocument(url, symbol, 'instrument document', (body) => {
          const parsed = parseInstrumentDocument(body, symbol);
          if ('problem' in parsed) throw new CorruptFileError('Download', url, `not an instrument document of ${symbol}: ${parsed.problem}`, undefined, 'BAD_INSTRUMENT');
          return body;
        }, opts.signal);
        await writeFileAtomic(layout.instrumentDocument(symbol), text);
        docs.set(symbol, (parseInstrumentDocument(text, symbol) as { doc: InstrumentDocument }).doc);
      } catch (err) {
        if (err instanceof DownloadError && err.code === 'UNKNOWN_INSTRUMENT') unknown.push(symbol);
        else throw err;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(Math.max(1, opts.client.concurrency), toFetch.length) }, lane));
  } finally {
    await client.close();
  }
  unknown.sort();
  if (unknown.length > 0 && !opts.keepUnknown) throw await unknownSymbolsError(layout, unknown);
  return { docs, unknown, fetched: toFetch.length - unknown.length, requests: client.stats.requests };
}

async function unknownSymbolsError(layout: Layout, unknown: readonly string[]): Promise<ConfigError> {
  const lines: string[] = [];
  for (const symbol of unknown) {
    const near = await suggestionsFor(layout, symbol);
    lines.push(`${symbol}${near.length > 0 ? ` (did you mean ${near.join(', ')}?)` : ''}`);
  }
  const what = unknown.length === 1 ? 'no instrument' : 'no instruments';
  return new ConfigError(`the service has ${what} ${lines.join('; ')}: nothing was downloaded (\`candlestore instruments --search TEXT\` lists the catalogue)`, undefined, 'NO_SUCH_INSTRUMENT');
}
