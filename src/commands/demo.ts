// `candlestore demo`: the whole pipeline offline. Starts `sim` in-process on a free loopback port, points
// download.base_url at it (in memory only), runs the last N days for the project's default symbols into
// ./demo-data, and says where everything is.
import { copyFile, mkdir, access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSim } from '../sim/server.js';
import { buildContext } from '../pipeline/context.js';
import { runCommand } from './run.js';
import { DAY_MS, formatDay, startOfDay } from '../util/dates.js';
import { ConfigError } from '../errors.js';

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface DemoOptions {
  root: string;
  days: number;
  symbols?: string;
  signal?: AbortSignal;
}

async function copyIfMissing(name: string, root: string): Promise<void> {
  const target = join(root, name);
  try {
    await access(target);
  } catch {
    await copyFile(join(PACKAGE_ROOT, name), target);
  }
}

export async function demoCommand(opts: DemoOptions): Promise<void> {
  if (!Number.isInteger(opts.days) || opts.days < 1 || opts.days > 3650) throw new ConfigError(`--days must be a whole number from 1 to 3650, got ${opts.days}`, undefined, 'BAD_USAGE');
  const root = resolve(opts.root);
  await mkdir(root, { recursive: true });
  await copyIfMissing('symbols.txt', root);
  await copyIfMissing('config.yaml', root);
  const sim = await startSim({ host: '127.0.0.1', port: 0, seed: 1 });
  try {
    const now = Date.now();
    const from = startOfDay(now) - (opts.days - 1) * DAY_MS;
    const ctx = await buildContext({
      root,
      symbols: opts.symbols,
      now,
      overrides: (c) => ({
        ...c,
        download: { ...c.download, base_url: sim.url, rate_limit_rps: 500, concurrency: 8, backoff_ms: 50, backoff_max_ms: 1000 },
      }),
    });
    ctx.log(`demo: sim serving the Dukascopy protocol at ${sim.url}; ${ctx.symbols.length} symbols, ${formatDay(from)} → ${formatDay(now)} (live day included)`);
    await runCommand(ctx, { from, download: true, signal: opts.signal });
    ctx.log(
      [
        `demo: done. Files under ${root}:`,
        `  raw days          cache/YYYY/MM/SYMBOL_YYYYMMDD.json (live day in data/temp/)`,
        `  1m day files      data/transform/1m/YYYY/MM/SYMBOL_YYYYMMDD.bin`,
        `  1m stores         data/aggregate/1m/SYMBOL.bin (+ index/SYMBOL.idx)`,
        `  timeframes        data/resample/{5m,15m,30m,1h,4h,1d,1W,1M,1Y}/SYMBOL.bin (+ index/SYMBOL.idx)`,
        `Check them: node bin/candlestore.js verify --root ${opts.root}. Run the demo again for an incremental run (only the live day is fetched).`,
        `See them: node bin/candlestore.js serve --root ${opts.root}`,
        `  then open http://${ctx.config.http.listen}/ (chart page; API docs at /docs)`,
      ].join('\n'),
    );
  } finally {
    await sim.close();
  }
}
