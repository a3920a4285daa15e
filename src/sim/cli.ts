// `candlestore sim` glue: turns command-line text options into startSim options (ConfigError, exit 2, on
// anything invalid), starts the server, prints where it listens and serves until SIGINT/SIGTERM or the
// given AbortSignal, then closes cleanly.
//
// The sim binds loopback only (127.0.0.0/8, ::1, localhost) unless `allowRemote` is set: it is a test server
// with injectable faults and no authentication, not something to expose on a network by accident.
// `--now ISO` freezes the simulated clock at that instant (the live day stays cut there); without it the
// system clock is used. `--lag MINUTES` sets the server's clock that far behind (a just-closed day is
// served partial).
import { ConfigError } from '../errors.js';
import { parseInstant } from '../util/dates.js';
import { FAULT_KINDS, startSim, type FaultKind, type SimOptions, type SimServer } from './server.js';

export interface SimCliInput {
  host?: string;
  port?: string | number;
  seed?: string | number;
  /** ISO instant (`2026-07-13T12:00:00Z`) or day; freezes the clock. */
  now?: string;
  /** Minutes the server's clock runs behind `now` (or the system clock). */
  lag?: string | number;
  faults?: string | number;
  /** Probability per candle of a revision (`--revise P`). */
  revise?: string | number;
  /** Fraction of minutes missing on one side, BID or ASK (`--one-sided-rate P`). */
  oneSidedRate?: string | number;
  /** Comma list of fault kinds, e.g. `429,503,reset`. */
  faultKinds?: string;
  faultStreak?: string | number;
  slowMs?: string | number;
  verbose?: boolean;
  /** Allow a non-loopback host. */
  allowRemote?: boolean;
  /** Stops the server when aborted (in addition to SIGINT/SIGTERM). */
  signal?: AbortSignal;
  /** Output for the banner and request lines; default console.log. */
  log?: (line: string) => void;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h) || /^::ffff:127(?:\.\d{1,3}){3}$/.test(h);
}

function integer(name: string, value: string | number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'number' ? value : /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new ConfigError(`sim --${name} must be an integer between ${min} and ${max}, got ${JSON.stringify(value)}`);
  return n;
}

/** Validate the text options and turn them into startSim options. Throws ConfigError. */
export function parseSimCliOptions(input: SimCliInput): SimOptions & { host: string; seed: number; now?: number } {
  const host = (input.host ?? '127.0.0.1').trim();
  if (!host) throw new ConfigError('sim --host is empty');
  if (!isLoopbackHost(host) && !input.allowRemote) {
    throw new ConfigError(`sim refuses to listen on non-loopback host ${host}: it is an unauthenticated test server; pass --allow-remote to do it anyway`);
  }
  const port = integer('port', input.port, 0, 0, 65535);
  const seed = integer('seed', input.seed, 1, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  let faults = 0;
  if (input.faults !== undefined && input.faults !== '') {
    faults = typeof input.faults === 'number' ? input.faults : /^\s*[\d.eE+-]+\s*$/.test(input.faults) ? Number(input.faults) : NaN;
    if (!(faults >= 0 && faults <= 1)) throw new ConfigError(`sim --faults must be a probability between 0 and 1, got ${JSON.stringify(input.faults)}`);
  }
  let revise = 0;
  if (input.revise !== undefined && input.revise !== '') {
    revise = typeof input.revise === 'number' ? input.revise : /^\s*[\d.eE+-]+\s*$/.test(input.revise) ? Number(input.revise) : NaN;
    if (!(revise >= 0 && revise <= 1)) throw new ConfigError(`sim --revise must be a probability between 0 and 1, got ${JSON.stringify(input.revise)}`);
  }
  let faultKinds: FaultKind[] | undefined;
  if (input.faultKinds !== undefined && input.faultKinds.trim() !== '') {
    faultKinds = [];
    for (const raw of input.faultKinds.split(',')) {
      const k = raw.trim();
      if (!(FAULT_KINDS as readonly string[]).includes(k)) throw new ConfigError(`sim --fault-kinds: unknown kind ${JSON.stringify(k)} (known: ${FAULT_KINDS.join(', ')})`);
      if (!faultKinds.includes(k as FaultKind)) faultKinds.push(k as FaultKind);
    }
  }
  let now: number | undefined;
  if (input.now !== undefined && input.now !== '') {
    try {
      now = parseInstant(input.now.trim());
    } catch (err) {
      throw new ConfigError(`sim --now: ${(err as Error).message} (want an ISO time like 2026-07-13T12:00:00Z)`);
    }
  }
  const lagMs = integer('lag', input.lag, 0, 0, 7 * 1440) * 60_000;
  const faultStreak = integer('fault-streak', input.faultStreak, 3, 0, 1_000_000);
  const slowMs = integer('slow-ms', input.slowMs, 300, 0, 600_000);
  let oneSidedRate = 0;
  if (input.oneSidedRate !== undefined && input.oneSidedRate !== '') {
    oneSidedRate = typeof input.oneSidedRate === 'number' ? input.oneSidedRate : /^\s*[\d.eE+-]+\s*$/.test(input.oneSidedRate) ? Number(input.oneSidedRate) : NaN;
    if (!(oneSidedRate >= 0 && oneSidedRate <= 1)) throw new ConfigError(`sim --one-sided-rate must be a fraction between 0 and 1, got ${JSON.stringify(input.oneSidedRate)}`);
  }
  return { host, port, seed, now, lagMs, revise, oneSidedRate, faults, faultKinds, faultStreak, slowMs, verbose: input.verbose ?? false, log: input.log };
}

/**
 * Start the sim from CLI options, print `sim listening on URL (seed S, now ISO)` and serve until SIGINT,
 * SIGTERM or `signal`; resolves after the server has closed. `onListening` gets the running server.
 */
export async function runSimFromCli(input: SimCliInput, onListening?: (server: SimServer) => void): Promise<void> {
  const opts = parseSimCliOptions(input);
  const log = input.log ?? ((line: string) => console.log(line));
  if (input.signal?.aborted) return;
  const server = await startSim({ ...opts, log });
  const nowText = opts.now === undefined ? 'system clock' : new Date(opts.now).toISOString();
  const lagText = opts.lagMs ? `, its clock ${opts.lagMs / 60_000} min behind` : '';
  const reviseText = ((opts.revise ?? 0) > 0 ? `, revise ${opts.revise}` : '') + ((opts.oneSidedRate ?? 0) > 0 ? `, one-sided rate ${opts.oneSidedRate}` : '');
  log(`sim listening on ${server.url} (seed ${opts.seed}, now ${nowText}${lagText}${reviseText})`);
  onListening?.(server);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      input.signal?.removeEventListener('abort', stop);
      server.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    input.signal?.addEventListener('abort', stop, { once: true });
    if (input.signal?.aborted) stop();
  });
}
