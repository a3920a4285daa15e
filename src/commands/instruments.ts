// `candlestore instruments [--search TEXT] [--group CODE] [--json]`: the catalogue — the built-in list of names
// (dukascopy/catalogue.ts) and every document already cached — with each instrument's document read from
// cache/instruments or fetched (download/instruments.ts: same client, rate limit and 7-day refresh as `run`).
// Printed as an aligned table (name, description, group, decimals, first minute, trading hours), or as
// JSON for scripts. A built-in name the service does not answer is left out with a note on stderr.
import { resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import { KNOWN_INSTRUMENTS } from '../dukascopy/catalogue.js';
import { firstMinute, WEEKDAY_NAMES, type InstrumentDocument, type ScheduleSession } from '../dukascopy/instrument.js';
import { cachedInstrumentNames, loadInstruments } from '../download/instruments.js';
import { Layout } from '../paths.js';
import { isoMinute } from '../util/dates.js';
import { clientOptions } from '../download/options.js';

export interface InstrumentsCommandOptions {
  root?: string;
  search?: string;
  group?: string;
  json?: boolean;
  /** false: cached documents only. */
  download?: boolean;
  out: { write(text: string): unknown };
  warn: (line: string) => void;
  signal?: AbortSignal;
}

export interface InstrumentRow {
  name: string;
  description: string;
  group: string;
  decimals: number;
  pipValue: number;
  /** ISO time of the first minute of data (UTC). */
  firstMinute: string;
  timezone: string;
  /** The trading schedule in words, in `timezone`. */
  tradingHours: string;
  holidays: { from: string; till: string }[];
}

export async function instrumentsCommand(opts: InstrumentsCommandOptions): Promise<void> {
  const layout = new Layout(resolve(opts.root ?? '.'));
  const { config } = await loadConfig(layout.root);
  const names = [...new Set([...KNOWN_INSTRUMENTS, ...(await cachedInstrumentNames(layout)).sort()])];
  const { docs, unknown } = await loadInstruments(layout, names, {
    download: opts.download ?? true,
    keepUnknown: true,
    signal: opts.signal,
    client: clientOptions(config.download),
  });
  if (unknown.length > 0) opts.warn(`note: the service has no document for ${unknown.join(', ')}: left out`);
  const search = opts.search?.toLowerCase();
  const group = opts.group?.toUpperCase();
  const rows = names
    .filter((n) => docs.has(n))
    .map((n) => instrumentRow(docs.get(n)!))
    .filter((r) => group === undefined || r.group.toUpperCase() === group)
    .filter((r) => search === undefined || `${r.name} ${r.name.replace('/', '')} ${r.description}`.toLowerCase().includes(search));
  if (opts.json) {
    opts.out.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  opts.out.write(`${formatTable(rows)}\n`);
}

export function instrumentRow(doc: InstrumentDocument): InstrumentRow {
  return {
    name: doc.name,
    description: doc.description,
    group: doc.groupCode,
    decimals: doc.priceScale,
    pipValue: doc.pipValue,
    firstMinute: new Date(firstMinute(doc)).toISOString(),
    timezone: doc.defaultTimezone,
    tradingHours: describeSchedule(doc),
    holidays: doc.holidays.map((h) => ({ from: new Date(h.from).toISOString(), till: new Date(h.till).toISOString() })),
  };
}

const SHORT = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** `Mon–Fri 17:00 (day before)–17:00 America/New_York`, `daily 00:00–24:00 UTC`, `Mon–Fri 09:00–11:30, 12:30–15:30 Asia/Tokyo`. */
export function describeSchedule(doc: InstrumentDocument): string {
  const current = doc.tradeSchedule[doc.tradeSchedule.length - 1];
  const byShape = new Map<string, number[]>();
  WEEKDAY_NAMES.forEach((day, i) => {
    const sessions = current.sessions[day];
    if (!sessions || sessions.length === 0) return;
    const shape = sessions.map(sessionText).join(', ');
    byShape.set(shape, [...(byShape.get(shape) ?? []), i]);
  });
  const parts = [...byShape].map(([shape, days]) => `${daysText(days)} ${shape}`);
  return `${parts.join('; ') || 'no sessions'} ${doc.defaultTimezone}`;
}

function sessionText(s: ScheduleSession): string {
  const hm = (t: string) => t.slice(0, 5);
  if (s.previousDayStart && !s.previousDayEnd && s.start === '00:00:00' && s.end === '00:00:00') return '24h';
  return `${hm(s.start)}${s.previousDayStart ? ' (day before)' : ''}–${hm(s.end)}${s.previousDayEnd ? ' (day before)' : ''}`;
}

function daysText(days: number[]): string {
  if (days.length === 7) return 'daily';
  const contiguous = days.every((d, i) => i === 0 || d === days[i - 1] + 1);
  return contiguous && days.length > 2 ? `${SHORT[days[0]]}–${SHORT[days[days.length - 1]]}` : days.map((d) => SHORT[d]).join(',');
}

function formatTable(rows: InstrumentRow[]): string {
  const head = ['name', 'description', 'group', 'decimals', 'first minute (UTC)', 'trading hours'];
  const cells = rows.map((r) => [r.name, r.description, r.group, String(r.decimals), isoMinute(Date.parse(r.firstMinute)), r.tradingHours]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((x, i) => (i === c.length - 1 ? x : x.padEnd(widths[i]))).join('  ');
  return [line(head), ...cells.map(line), `${rows.length} instrument${rows.length === 1 ? '' : 's'}`].join('\n');
}
