// The `candlestore` command line: parses arguments (commander), builds a RunContext and calls the stage
// modules. It owns exit codes: 0 ok, 1 aborted (fail-fast), 2 bad usage/config, 3 another run holds the
// lock, 130 interrupted.
import { Command, CommanderError, Option } from 'commander';
import { describeFailure, ConfigError, InterruptedError, type Stage } from './errors.js';
import { parseDay, parseInstant } from './util/dates.js';
import { REBUILD_TARGETS } from './commands/rebuildTargets.js';
import type { ContextOptions } from './pipeline/context.js';
// Command modules, and the context with its config loader (zod, yaml), are imported when their command runs:
// start-up time is part of every cron run, and `--version`, `--help` or a usage error need none of them.

const buildContext = async (opts: ContextOptions) => (await import('./pipeline/context.js')).buildContext(opts);

const program = new Command('candlestore')
  .description('Keep a local, always-current history of Dukascopy 1-minute candles and every timeframe above it.')
  .version('0.1.0')
  .showHelpAfterError('(candlestore --help lists the commands)')
  .exitOverride();

const rootOption = () => new Option('--root <dir>', 'data root (config.yaml, symbols.txt, cache/, data/)').default('.');
const nowOption = () => new Option('--now <iso>', 'pretend the current time is this instant (tests, replays)').argParser(asInstant);

function asDay(value: string): number {
  try {
    return parseDay(value);
  } catch (err) {
    throw new ConfigError(`bad date ${JSON.stringify(value)}: ${(err as Error).message}`, undefined, 'BAD_USAGE');
  }
}
function asInstant(value: string): number {
  try {
    return parseInstant(value);
  } catch (err) {
    throw new ConfigError(`bad --now ${JSON.stringify(value)}: ${(err as Error).message}`, undefined, 'BAD_USAGE');
  }
}

// SIGINT/SIGTERM stop the running command: its stages cancel at the next safe point, cut back to their last
// commit and release the lock; the command then ends with `candlestore: interrupted` and exit 130 (sim, whose
// normal end is a signal, exits 0). A second signal exits at once: the tree stays as consistent as after a
// kill -9, which the next run repairs.
const interrupt = new AbortController();
const onSignal = (sig: string) => {
  if (interrupt.signal.aborted) {
    process.stderr.write('candlestore: interrupted (second signal: exiting now)\n');
    process.exit(130);
  }
  process.stderr.write(`\ncandlestore: ${sig} received, stopping…\n`);
  interrupt.abort(sig);
};
// bin/candlestore.js listens from the start and hands signals to the handler set here; loaded another way
// (tests importing the CLI), listen directly.
const setSignalHandler = (globalThis as { candlestoreOnSignal?: (handler: (sig: string) => void) => void }).candlestoreOnSignal;
if (setSignalHandler) setSignalHandler(onSignal);
else for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => onSignal(sig));

// Errors from stages carry their own stage; this names the command's stage for anything else.
let currentStage: Stage = 'Config';

program
  .command('run')
  .description('incremental ETL: download → transform → aggregate → resample')
  .addOption(rootOption())
  .option('--from <date>', "first day of a symbol's new store (default download.start_date)", asDay)
  .option('--to <date>', 'last day of every stage, inclusive (default: today, live day included)', asDay)
  .option('--symbols <list>', 'comma-separated symbols instead of symbols.txt')
  .option('--no-download', 'skip the download stage (work from the cache)')
  .option('--rebuild-on-change', 'rebuild the stores built with other settings (time shift, decimals, sessions, timeframes) instead of stopping')
  .addOption(nowOption())
  .option('-q, --quiet', 'print only errors')
  .action(async (opts) => {
    const ctx = await buildContext({ root: opts.root, symbols: opts.symbols, now: opts.now, quiet: opts.quiet });
    const { runCommand } = await import('./commands/run.js');
    await runCommand(ctx, { from: opts.from, to: opts.to, download: opts.download, rebuildOnChange: opts.rebuildOnChange === true, signal: interrupt.signal });
  });

program
  .command('rebuild')
  .description(`delete derived layers and run again: ${REBUILD_TARGETS.join(' | ')}`)
  .argument('<what>', REBUILD_TARGETS.join(' | '))
  .addOption(rootOption())
  .option('--from <date>', 'first day of the rebuilt stores (default: the earliest cached day)', asDay)
  .option('--to <date>', 'last day of the rebuilt stores, inclusive (default: today)', asDay)
  .option('--symbols <list>', 'comma-separated symbols instead of symbols.txt')
  .addOption(nowOption())
  .option('-q, --quiet', 'print only errors')
  .action(async (what: string, opts) => {
    const ctx = await buildContext({ root: opts.root, symbols: opts.symbols, now: opts.now, quiet: opts.quiet });
    const { rebuildCommand } = await import('./commands/rebuild.js');
    await rebuildCommand(ctx, what, interrupt.signal, { from: opts.from, to: opts.to });
  });

program
  .command('sim')
  .description('serve the Dukascopy candle protocol locally with deterministic data')
  .option('--host <host>', 'address to bind (loopback only unless --allow-remote)', '127.0.0.1')
  .option('--port <n>', 'port (0 = any free port)', '8788')
  .option('--seed <n>', 'data seed', '1')
  .option('--now <iso>', 'freeze the server clock at this instant (the live day is cut here)')
  .option('--lag <minutes>', "the server's clock runs this many minutes behind (a just-closed day is served partial)", '0')
  .option('--faults <p>', 'probability 0..1 that a request gets a fault', '0')
  .option('--fault-kinds <list>', 'comma list of 400,429,503,slow,truncated,invalid-json,reset (default all)')
  .option('--revise <p>', 'probability 0..1 per candle that an answer revises it (the live day changes between requests, the closed day differs from the last live answer)', '0')
  .option('--one-sided-rate <p>', 'fraction 0..1 of minutes missing on one side (BID or ASK), to test one-sided minutes', '0')
  .option('--allow-remote', 'allow binding a non-loopback address')
  .option('--verbose', 'one log line per request')
  .action(async (opts) => {
    currentStage = 'Sim';
    const { simCommand } = await import('./commands/sim.js');
    await simCommand(opts, interrupt.signal);
  });

program
  .command('verify')
  .description('integrity report of every store; exits 1 on damage')
  .addOption(rootOption())
  .option('--symbols <list>', 'comma-separated symbols instead of symbols.txt')
  .option('--gap-minutes <n>', 'report runs of more than N missing minutes inside a trading day', '30')
  .option('--deep', 'also compare every 1m record with the cache decoded again and recompute every timeframe from its source')
  .action(async (opts) => {
    const ctx = await buildContext({ root: opts.root, symbols: opts.symbols });
    currentStage = 'Verify';
    const gapMinutes = Number(opts.gapMinutes);
    if (!Number.isInteger(gapMinutes) || gapMinutes < 1) throw new ConfigError(`--gap-minutes must be a whole number ≥ 1, got ${opts.gapMinutes}`, undefined, 'BAD_USAGE');
    const { verifyCommand } = await import('./commands/verify.js');
    process.exitCode = await verifyCommand(ctx, { gapMinutes, deep: opts.deep === true, signal: interrupt.signal });
  });

program
  .command('instruments')
  .description('the instrument catalogue: name, description, group, decimals, first minute, trading hours (documents cached in cache/instruments)')
  .addOption(rootOption())
  .option('--search <text>', 'only instruments whose name or description contains TEXT (case-insensitive)')
  .option('--group <code>', 'only this group, e.g. FX_MAJORS, FX_CROSSES, VCCY, IDX_EUROPE')
  .option('--json', 'a JSON array for scripts')
  .option('--no-download', 'cached documents only')
  .action(async (opts) => {
    currentStage = 'Download';
    const { instrumentsCommand } = await import('./commands/instruments.js');
    await instrumentsCommand({ root: opts.root, search: opts.search, group: opts.group, json: opts.json === true, download: opts.download, out: process.stdout, warn: (line) => process.stderr.write(`${line}\n`), signal: interrupt.signal });
  });

const collect = (value: string, previous: string[]) => [...previous, value];

program
  .command('build')
  .description('export series to Parquet (default), CSV or MetaTrader CSV; reads committed bars only, never takes the run lock')
  .addOption(rootOption())
  .option('--select <spec>', 'SYMBOL[:skiplast]/TF[:skiplast][,TF…], repeatable; * in SYMBOL or TF (e.g. EUR-USD/1h,1d  "*-USD/*")', collect, [])
  .option('--after <time>', 'first bar time included: YYYY-MM-DD, "YYYY-MM-DD HH:MM[:SS]", ISO with Z or epoch ms, in the store\'s time basis')
  .option('--until <time>', 'first bar time excluded (same forms)')
  .option('--parquet', 'Parquet output (the default)')
  .option('--csv', 'CSV output')
  .option('--mt4', 'MetaTrader history CSV, one file per symbol and timeframe (needs --output-dir)')
  .option('--output <file>', 'one file for everything selected')
  .option('--output-dir <dir>', 'one file per symbol and timeframe, or Hive partitions with --partition')
  .option('--partition', 'Hive layout timeframe=TF/symbol=SYM/year=YYYY/data.parquet under --output-dir')
  .option('--incremental', 'with --partition: rewrite only partitions whose rows changed (manifest in the folder)')
  .option('--compression <codec>', 'zstd | snappy | gzip | brotli | none (Parquet default zstd; CSV: gzip or none)')
  .option('--force', 'replace existing outputs; skip selections that match nothing (with a warning)')
  .option('--dry-run', 'print the files, rows and estimated bytes; write nothing')
  .option('--side <side>', 'bid (default), ask, or mid = (bid + ask) / 2 per price, one decimal more than the store (needs sides: [BID, ASK])', 'bid')
  .option('--spread', 'add a spread column: ask close − bid close (needs sides: [BID, ASK])')
  .option('-q, --quiet', 'print only warnings and errors')
  .action(async (opts) => {
    currentStage = 'Build';
    const { buildCommand } = await import('./commands/build.js');
    await buildCommand({
      root: opts.root, select: opts.select, after: opts.after, until: opts.until, parquet: opts.parquet, csv: opts.csv, mt4: opts.mt4,
      output: opts.output, outputDir: opts.outputDir, partition: opts.partition, incremental: opts.incremental, compression: opts.compression,
      force: opts.force, dryRun: opts.dryRun, side: opts.side, spread: opts.spread,
      log: opts.quiet && !opts.dryRun ? () => {} : (line) => process.stdout.write(`${line}\n`),
      warn: (line) => process.stderr.write(`${line}\n`),
      signal: interrupt.signal,
    });
  });

program
  .command('show')
  .description('print the bars of one series: an aligned table (open bar marked), or CSV / NDJSON for pipes')
  .argument('<series>', 'SYMBOL/TF, e.g. EUR-USD/1h or EUR/USD/1h')
  .addOption(rootOption())
  .option('--after <time>', 'first bar time included (same forms as build)')
  .option('--until <time>', 'first bar time excluded')
  .option('--last <n>', 'only the last N bars of the range')
  .option('--csv', 'CSV with a header')
  .option('--json', 'one JSON object per line (NDJSON)')
  .action(async (series: string, opts) => {
    currentStage = 'Build';
    const { showCommand } = await import('./commands/show.js');
    await showCommand({ root: opts.root, series, after: opts.after, until: opts.until, last: opts.last, csv: opts.csv, json: opts.json, out: process.stdout });
  });

program
  .command('serve')
  .description('HTTP API over the stores: candles, indicators, OpenAPI at /openapi.json, docs at /docs')
  .addOption(rootOption())
  .option('--listen <host:port>', 'address to listen on (default http.listen, 127.0.0.1:8000)')
  .option('--insecure', 'allow a non-loopback address without http.token')
  .option('--verbose', 'one access-log line per request')
  .action(async (opts) => {
    currentStage = 'Serve';
    const { serveCommand } = await import('./commands/serve.js');
    await serveCommand({ root: opts.root, listen: opts.listen, insecure: opts.insecure, verbose: opts.verbose }, interrupt.signal);
  });

program
  .command('demo')
  .description('start sim in-process and run the whole pipeline into ./demo-data, a root that `run` can keep refreshing')
  .option('--root <dir>', 'where the demo data goes', 'demo-data')
  .option('--days <n>', 'how many days of history', '30')
  .option('--symbols <list>', 'comma-separated symbols, written to the root\'s symbols.txt (default: its symbols.txt, else the project\'s)')
  .option('--port <n>', 'port of the demo\'s sim, written as download.base_url (where `candlestore sim` listens by default)', '8788')
  .action(async (opts) => {
    const { demoCommand } = await import('./commands/demo.js');
    await demoCommand({ root: opts.root, days: Number(opts.days), symbols: opts.symbols, port: Number(opts.port), signal: interrupt.signal });
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // help and version end with exit 0; usage mistakes with 2 (commander already printed the message)
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    // Once a signal arrived, whatever the command threw while stopping is the interruption.
    const failure = interrupt.signal.aborted ? new InterruptedError(currentStage, String(interrupt.signal.reason)) : err;
    const { line, exitCode } = describeFailure(failure, currentStage);
    process.stderr.write(`${line}\n`);
    process.exitCode = exitCode;
  }
}
// Exit now rather than when the event loop drains: a signal during Node's own teardown (worker threads and
// sockets closing) would otherwise kill the process by its default action after the command has finished.
// stdout and stderr are written synchronously (files, pipes and terminals on Linux), so nothing is lost.
process.exit();
