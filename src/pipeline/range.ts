// The days a `run` or `rebuild` works on, per symbol, decided once and used by every stage (issue 9 part 4):
// `--to` bounds download, transform and aggregate alike (resample follows the 1m store), so a store built with
// `--to` ends there; `--from` starts a symbol that has no store yet. A store is append-only, so a symbol
// whose store exists continues from its last day whatever `--from` says; when an argument cannot take effect
// (a `--from` before the store's first day, a `--to` before its last, a range that selects no day) the run
// says so in a note instead of ignoring it silently. `--from` after `--to` is a usage error (exit 2).
import { ConfigError, CorruptFileError, type Stage } from '../errors.js';
import { symbolFileName } from '../dukascopy/symbolCode.js';
import { dateToMs } from '../aggregate/dayFiles.js';
import { readIndexFile } from '../store/indexFile.js';
import { formatDay, parseDay, startOfDay } from '../util/dates.js';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { listFlatDayFiles } from '../util/dayFiles.js';
import type { RunContext } from './context.js';
import { instrumentOf } from './instruments.js';
import { firstMinute } from '../dukascopy/instrument.js';
import { baseSymbol } from '../dukascopy/series.js';

export interface RangeOptions {
  /**
   * First day of a symbol that has no store yet (default download.start_date, or for rebuilds the earliest
   * cached day); never before the instrument's first minute of data. Without any: that first minute.
   */
  from?: number;
  /** Last day, inclusive (default: today). */
  to?: number;
  /** false: work from the cache only. */
  download: boolean;
  /** Rebuilds: a symbol without a store starts at its earliest cached day rather than start_date. */
  fromCache?: boolean;
}

export interface SymbolRange {
  /** First day to fetch and take (00:00 UTC ms): the store's last day when it exists. */
  first: number;
  /** Last day to fetch and take, inclusive: min(--to, today). */
  last: number;
  /** The store exists: days before `first` are in it already. */
  hasStore: boolean;
  /**
   * min(first, the earliest day with raw JSON in data/temp when the run began): a provisional day can lie
   * before the store's last day (the live day after it was appended), and once the download settles it, its
   * cache file is new and must be transformed.
   */
  tailFirst: number;
}

export interface RunRange {
  today: number;
  /** min(--to, today): no stage takes a later day. */
  last: number;
  symbols: Map<string, SymbolRange>;
}

/** Usage errors of a range, before anything runs: exit 2. */
export function checkRangeArguments(opts: { from?: number; to?: number }, command: string): void {
  if (opts.from !== undefined && opts.to !== undefined && opts.from > opts.to) {
    throw new ConfigError(`${command}: --from ${formatDay(opts.from)} is after --to ${formatDay(opts.to)}`, undefined, 'BAD_USAGE');
  }
}

/** Work out every symbol's range at the start of the first stage (after a rebuild deleted its layers). */
export async function resolveRange(ctx: RunContext, opts: RangeOptions, stage: Stage): Promise<RunRange> {
  const today = startOfDay(ctx.now());
  const last = Math.min(opts.to ?? today, today);
  const stores = await storeLastDays(ctx, stage);
  const earliestCached = opts.fromCache && opts.from === undefined ? await earliestDays(ctx.layout.cacheDir, 'json', ctx.series.map(symbolFileName)) : new Map<string, number>();
  const withStore = ctx.series.filter((s) => stores.get(s) !== undefined).map(symbolFileName);
  const firstDayFiles = opts.from !== undefined && withStore.length > 0 ? await earliestDays(ctx.layout.transformDir, 'bin', withStore) : new Map<string, number>();
  const startDate = ctx.config.download.start_date === undefined ? undefined : parseDay(ctx.config.download.start_date);
  // Offline without an instrument document and without start_date: a new store starts at its earliest cached day.
  const undocumented = ctx.series.filter((s) => stores.get(s) === undefined && instrumentOf(ctx, s) === undefined).map(symbolFileName);
  const earliestUndocumented = startDate === undefined && undocumented.length > 0 ? await earliestDays(ctx.layout.cacheDir, 'json', undocumented) : new Map<string, number>();
  const tempDays = new Map<string, number>();
  for (const f of await listFlatDayFiles(ctx.layout.tempDir, 'json')) tempDays.set(f.code, Math.min(f.day, tempDays.get(f.code) ?? Infinity));
  const symbols = new Map<string, SymbolRange>();
  const notes: string[] = [];
  for (const symbol of ctx.series) {
    const storeLast = stores.get(symbol);
    const code = symbolFileName(symbol);
    if (storeLast !== undefined) {
      symbols.set(symbol, { first: storeLast, last, hasStore: true, tailFirst: Math.min(storeLast, tempDays.get(code) ?? Infinity) });
      const storeFirst = firstDayFiles.get(code);
      if (opts.from !== undefined && storeFirst !== undefined && opts.from < storeFirst) {
        notes.push(
          `${symbol}: --from ${formatDay(opts.from)} is before the store's first day ${formatDay(storeFirst)}; a store only grows at its end, ` +
            `so it continues from ${formatDay(storeLast)}: \`candlestore rebuild full --symbols ${baseSymbol(symbol)} --from ${formatDay(opts.from)}\` rebuilds it from that day`,
        );
      } else if (opts.from !== undefined && opts.from > storeLast + 86_400_000) {
        notes.push(`${symbol}: --from ${formatDay(opts.from)} is after the store's last day ${formatDay(storeLast)}; the store continues from ${formatDay(storeLast)} (it has no holes)`);
      }
      if (opts.to !== undefined && storeLast > opts.to) {
        notes.push(`${symbol}: the store already ends on ${formatDay(storeLast)}, after --to ${formatDay(opts.to)}: nothing to add (\`candlestore rebuild aggregate --symbols ${baseSymbol(symbol)} --to ${formatDay(opts.to)}\` cuts it there)`);
      }
      continue;
    }
    // A new store starts at the instrument's first minute of data (its document's MINUTE history), or at
    // --from / download.start_date when they are later: never years of days that cannot hold a candle.
    const doc = instrumentOf(ctx, symbol);
    const history = doc === undefined ? undefined : startOfDay(firstMinute(doc));
    const asked = opts.from ?? earliestCached.get(code) ?? startDate;
    let first: number;
    if (history === undefined) first = asked ?? earliestUndocumented.get(code) ?? today;
    else first = asked === undefined ? history : Math.max(asked, history);
    if (opts.from !== undefined && history !== undefined && opts.from < history && symbol === baseSymbol(symbol)) {
      notes.push(`${symbol}: --from ${formatDay(opts.from)} is before its first minute of data (${formatDay(history)}, its instrument document): it starts there`);
    }
    symbols.set(symbol, { first, last, hasStore: false, tailFirst: Math.min(first, tempDays.get(code) ?? Infinity) });
    if (first > last) {
      const why = first > today ? `${formatDay(first)} is after today (${formatDay(today)})` : `${formatDay(first)} is after --to ${formatDay(last)}`;
      const source = opts.from !== undefined ? '' : history !== undefined && first === history ? ' (its first minute of data)' : ' (download.start_date)';
      notes.push(`${symbol}: no day selected: the first day ${why}${source}`);
    }
  }
  for (const n of notes) ctx.warn(n);
  return { today, last, symbols };
}

/** The last day in each symbol's aggregate store (from its index), where an incremental run resumes. */
export async function storeLastDays(ctx: RunContext, stage: Stage): Promise<Map<string, number | undefined>> {
  const out = new Map<string, number | undefined>();
  for (const symbol of ctx.series) {
    let ix;
    try {
      ix = await readIndexFile(ctx.layout.aggregateIndex(symbol), stage);
    } catch (err) {
      // The aggregate stage would refuse this store: say so here too, with the remedy, not as a bare read
      // error. It is the aggregate store that is damaged, whichever stage reads its index first.
      if (!(err instanceof CorruptFileError)) throw err;
      const cut = err.message.lastIndexOf(` (${err.file}`);
      const what = cut > 0 ? err.message.slice(0, cut) : err.message;
      throw new CorruptFileError('Aggregate', err.file, `store damaged: ${what}; run \`candlestore rebuild aggregate\` to rebuild it from the day files`, err.offset, 'STORE_DAMAGED');
    }
    out.set(symbol, ix && ix.lastDate > 0 ? dateToMs(ix.lastDate) : undefined);
  }
  return out;
}

/**
 * Earliest day file of each of `codes` under a day tree (cache or transform): month folders in date order,
 * stopping once every code has been seen (usually after the first month, not a walk of twenty years).
 */
async function earliestDays(base: string, ext: string, codes: readonly string[]): Promise<Map<string, number>> {
  const first = new Map<string, number>();
  const wanted = new Set(codes);
  const folders = async (dir: string, re: RegExp) => {
    const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [] as string[];
      throw err;
    });
    return names.filter((n) => re.test(n)).sort();
  };
  for (const year of await folders(base, /^\d{4}$/)) {
    for (const month of await folders(join(base, year), /^\d{2}$/)) {
      const dir = join(base, year, month);
      for (const f of await listFlatDayFiles(dir, ext)) {
        if (!wanted.has(f.code)) continue;
        const seen = first.get(f.code);
        if (seen === undefined || f.day < seen) first.set(f.code, f.day);
      }
      if (first.size === wanted.size) return first;
    }
  }
  return first;
}
