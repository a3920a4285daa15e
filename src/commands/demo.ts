// `candlestore demo`: the whole pipeline offline, into a root the user can keep using. Writes the demo root's
// config.yaml (download.base_url = the local `candlestore sim` address, fast local rate limits, start_date =
// the demo's first day; every other key and comment kept) and symbols.txt (the symbols it runs with), starts
// `sim` in-process on that address, runs the last N days, and says where everything is and how to refresh
// it: `demo` again, or `candlestore sim` started by hand and `candlestore run --root <root>`, which read the
// same files. The sim's data are a function of its seed (1, sim's default) and the clock, so the demo's sim
// and one started by hand serve the same candles.
import { access, copyFile, mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { startSim, type SimServer } from '../sim/server.js';
import { buildContext } from '../pipeline/context.js';
import { runCommand } from './run.js';
import { DAY_MS, formatDay, startOfDay } from '../util/dates.js';
import { writeFileAtomic } from '../util/fsx.js';
import { assertSymbol } from '../config/symbols.js';
import { ConfigError } from '../errors.js';

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The port `candlestore sim` listens on by default: the demo's sim uses it too, so the written base_url works for both. */
export const DEMO_SIM_PORT = 8788;

export interface DemoOptions {
  root: string;
  days: number;
  symbols?: string;
  /** Port of the demo's sim and of the base_url written into the root (default DEMO_SIM_PORT). */
  port?: number;
  signal?: AbortSignal;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** The download settings the demo runs with, written into the root's config.yaml. */
function demoDownload(baseUrl: string, startDate: string): Record<string, string | number> {
  return { base_url: baseUrl, start_date: startDate, rate_limit_rps: 500, concurrency: 8, backoff_ms: 50, backoff_max_ms: 1000 };
}

/** config.yaml of the root (the project's copied first), with the demo's download keys set; comments kept. */
async function writeDemoConfig(root: string, port: number, download: Record<string, string | number>): Promise<void> {
  const file = join(root, 'config.yaml');
  if (!(await exists(file))) await copyFile(join(PACKAGE_ROOT, 'config.yaml'), file);
  const doc = parseDocument(await readFile(file, 'utf8'));
  if (doc.errors.length > 0) throw new ConfigError(`invalid YAML: ${doc.errors[0].message.split('\n')[0]}`, file);
  for (const [key, value] of Object.entries(download)) doc.setIn(['download', key], value);
  const url = doc.getIn(['download', 'base_url'], true) as { comment?: string | null } | undefined;
  if (url) url.comment = ` written by \`candlestore demo\`: \`candlestore sim --port ${port}\` serves it`;
  await writeFileAtomic(file, doc.toString({ lineWidth: 0 }));
}

/** symbols.txt of the root: `symbols` when given (validated, no duplicates), else the project's list if it has none. */
async function writeDemoSymbols(root: string, symbols: string | undefined): Promise<void> {
  const file = join(root, 'symbols.txt');
  if (symbols === undefined) {
    if (!(await exists(file))) await copyFile(join(PACKAGE_ROOT, 'symbols.txt'), file);
    return;
  }
  const list = symbols.split(',').map((s) => assertSymbol(s.trim(), '--symbols'));
  const dup = list.find((s, i) => list.indexOf(s) !== i);
  if (dup) throw new ConfigError(`duplicate symbol ${dup}`, '--symbols', 'BAD_SYMBOL');
  if (list.length === 0) throw new ConfigError('lists no symbols', '--symbols', 'BAD_SYMBOL');
  await writeFileAtomic(file, `# Written by \`candlestore demo --symbols\`: the symbols of this demo root, one a line.\n${list.join('\n')}\n`);
}

/** The demo's sim on `port`, or on a free port when that one is taken (then the run is pointed at it). */
async function startDemoSim(port: number): Promise<{ sim: SimServer; busy: boolean }> {
  try {
    return { sim: await startSim({ host: '127.0.0.1', port, seed: 1 }), busy: false };
  } catch (err) {
    if (!(err instanceof ConfigError && /EADDRINUSE/.test(err.message))) throw err;
    return { sim: await startSim({ host: '127.0.0.1', port: 0, seed: 1 }), busy: true };
  }
}

export async function demoCommand(opts: DemoOptions): Promise<void> {
  if (!Number.isInteger(opts.days) || opts.days < 1 || opts.days > 3650) throw new ConfigError(`--days must be a whole number from 1 to 3650, got ${opts.days}`, undefined, 'BAD_USAGE');
  const port = opts.port ?? DEMO_SIM_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError(`--port must be a port number from 1 to 65535, got ${opts.port}`, undefined, 'BAD_USAGE');
  const root = resolve(opts.root);
  const baseUrl = `http://127.0.0.1:${port}`;
  const now = Date.now();
  const from = startOfDay(now) - (opts.days - 1) * DAY_MS;
  await mkdir(root, { recursive: true });
  await writeDemoSymbols(root, opts.symbols);
  await writeDemoConfig(root, port, demoDownload(baseUrl, formatDay(from)));
  const { sim, busy } = await startDemoSim(port);
  try {
    // The files just written are the configuration of this run; only a taken port moves the sim elsewhere.
    const ctx = await buildContext({
      root,
      now,
      overrides: busy ? (c) => ({ ...c, download: { ...c.download, base_url: sim.url } }) : undefined,
    });
    if (busy) ctx.log(`demo: port ${port} is taken (a sim already running?); this run uses its own sim at ${sim.url}`);
    ctx.log(`demo: sim serving the Dukascopy protocol at ${sim.url}; ${ctx.symbols.length} symbols, ${formatDay(from)} → ${formatDay(now)} (live day included)`);
    await runCommand(ctx, { from, download: true, signal: opts.signal });
    const rootArg = /\s/.test(opts.root) ? JSON.stringify(opts.root) : opts.root;
    ctx.log(
      [
        `demo: done. Files under ${root}:`,
        `  config            config.yaml (download.base_url ${baseUrl}), symbols.txt (${ctx.symbols.length} symbols)`,
        `  raw days          cache/YYYY/MM/SYMBOL_YYYYMMDD.json (live day in data/temp/)`,
        `  1m day files      data/transform/1m/YYYY/MM/SYMBOL_YYYYMMDD.bin`,
        `  1m stores         data/aggregate/1m/SYMBOL.bin (+ index/SYMBOL.idx)`,
        `  timeframes        data/resample/<timeframe>/SYMBOL.bin (+ index/SYMBOL.idx)`,
        `Check them:   candlestore verify --root ${rootArg}`,
        `Refresh them: candlestore demo --root ${rootArg}   (again: fetches only what is new)`,
        `         or:  candlestore sim --port ${port}   (leave it running), then  candlestore run --root ${rootArg}`,
        `See them:     candlestore serve --root ${rootArg}   then open http://${ctx.config.http.listen}/ (chart page; API docs at /docs)`,
      ].join('\n'),
    );
  } finally {
    await sim.close();
  }
}
