// `candlestore sim`: the local Dukascopy protocol server in the foreground until a signal stops it.
import { runSimFromCli } from '../sim/cli.js';

export interface SimCliOptions {
  host: string;
  port: string;
  seed: string;
  now?: string;
  lag?: string;
  faults: string;
  faultKinds?: string;
  allowRemote?: boolean;
  verbose?: boolean;
}

export async function simCommand(opts: SimCliOptions, signal: AbortSignal): Promise<void> {
  await runSimFromCli({
    host: opts.host,
    port: opts.port,
    seed: opts.seed,
    now: opts.now,
    lag: opts.lag,
    faults: opts.faults,
    faultKinds: opts.faultKinds,
    allowRemote: opts.allowRemote ?? false,
    verbose: opts.verbose ?? false,
    signal,
  });
}
