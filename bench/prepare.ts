// `node bench/dist/bench/prepare.js [--quick]` — write (or confirm) every raw dataset the bench reads, without
// measuring anything: the first bench after a generator change then measures instead of generating.
import { parseArgs } from 'node:util';
import { PRESETS } from './config.js';
import { ensureRawCache } from './dataset.js';
import { DAY_MS, formatDay, parseDay } from '../src/util/dates.js';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const preset = PRESETS[values.quick ? 'quick' : 'default'];
const log = (line: string) => process.stderr.write(`${line}\n`);
ensureRawCache(preset.main, log);
ensureRawCache(preset.small, log);
const inc = preset.incremental;
const firstLive = parseDay(inc.firstLiveDay);
// The same specs as bench/incremental.ts measureIncremental (names carry the span, so they must match).
for (const days of [inc.historyDays, inc.longHistoryDays]) {
  ensureRawCache({ name: `incr-26x${days}d`, symbols: inc.symbols, from: formatDay(firstLive - days * DAY_MS), to: formatDay(firstLive - DAY_MS), seed: 1 }, log);
}
log('datasets ready');
