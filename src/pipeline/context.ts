// What one command invocation knows: root, config, symbols, clock and where to print. Built once by the CLI
// and handed to stages as a small typed object (no globals).
import { resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { loadConfig } from '../config/load.js';
import { loadSymbols, parseSymbolsOption } from '../config/symbols.js';
import { Layout } from '../paths.js';
import { seriesOf } from '../config/symbolSettings.js';
import { createProgress, type ProgressFactory } from '../util/progress.js';

export interface RunContext {
  layout: Layout;
  config: Config;
  configFiles: string[];
  symbols: string[];
  /**
   * The series the stages build (dukascopy/series.ts): every symbol's BID series (`EUR/USD`) and, where the
   * config's `sides` asks for it, its ASK series (`EUR/USD:ASK`), in that order.
   */
  series: string[];
  /** The clock: epoch ms now (the live day is the UTC day of this instant). */
  now: () => number;
  log: (line: string) => void;
  /** A note the user must see even with -q (an argument that cannot take effect): stderr. */
  warn: (line: string) => void;
  progress: ProgressFactory;
}

export interface ContextOptions {
  root?: string;
  /** Comma-separated symbols overriding symbols.txt. */
  symbols?: string;
  now?: number;
  quiet?: boolean;
  /** Overrides applied after the config files (the demo points download.base_url at its sim). */
  overrides?: (config: Config) => Config;
}

export async function buildContext(opts: ContextOptions): Promise<RunContext> {
  const root = resolve(opts.root ?? '.');
  const { config, files } = await loadConfig(root);
  const symbols = opts.symbols !== undefined ? parseSymbolsOption(opts.symbols) : (await loadSymbols(root)).symbols;
  const fixedNow = opts.now;
  const effective = opts.overrides ? opts.overrides(config) : config;
  return {
    layout: new Layout(root),
    config: effective,
    configFiles: files,
    symbols,
    series: seriesOf(effective.sides, symbols),
    now: fixedNow === undefined ? () => Date.now() : () => fixedNow,
    log: opts.quiet ? () => {} : (line) => process.stdout.write(`${line}\n`),
    warn: (line) => process.stderr.write(`note: ${line}\n`),
    progress: createProgress(process.stderr, opts.quiet),
  };
}
