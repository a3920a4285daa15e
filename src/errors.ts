// Every error candlestore raises on purpose lives here: a base class with a stable `code`, the pipeline
// `stage` it belongs to, and context fields. The CLI builds the `ABORT! Critical error in <Stage>: …` line
// and picks the exit code from these, so callers never format error text themselves.

export type Stage = 'Config' | 'Lock' | 'Download' | 'Transform' | 'Aggregate' | 'Resample' | 'Verify' | 'Build' | 'Serve' | 'Sim';

export class CandleError extends Error {
  readonly code: string;
  stage: Stage;
  /** Process exit code the CLI uses when this error ends a command. */
  readonly exitCode: number;
  constructor(stage: Stage, code: string, message: string, opts: { cause?: unknown; exitCode?: number } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.stage = stage;
    this.code = code;
    this.exitCode = opts.exitCode ?? 1;
  }
}

/** Bad config file, bad symbol name, bad CLI usage: exit 2. */
export class ConfigError extends CandleError {
  readonly file: string | undefined;
  constructor(message: string, file?: string, code = 'CONFIG_INVALID') {
    super('Config', code, file ? `${file}: ${message}` : message, { exitCode: 2 });
    this.file = file;
  }
}

/** Another live process holds the run lock: exit 3. */
export class LockHeldError extends CandleError {
  readonly pid: number;
  constructor(lockFile: string, pid: number) {
    super('Lock', 'LOCK_HELD', `another candlestore run (pid ${pid}) holds ${lockFile}; wait for it to finish`, { exitCode: 3 });
    this.pid = pid;
  }
}

/** A download that failed for good (after retries, or a non-retryable answer). */
export class DownloadError extends CandleError {
  readonly symbol: string;
  readonly day: string;
  readonly status: number | undefined;
  constructor(code: string, symbol: string, day: string, message: string, opts: { status?: number; cause?: unknown } = {}) {
    super('Download', code, `${symbol} ${day}: ${message}`, { cause: opts.cause });
    this.symbol = symbol;
    this.day = day;
    this.status = opts.status;
  }
}

/** A file on disk (or a response body) that does not have the shape it must have. */
export class CorruptFileError extends CandleError {
  readonly file: string;
  readonly offset: number | undefined;
  constructor(stage: Stage, file: string, message: string, offset?: number, code = 'CORRUPT_FILE') {
    super(stage, code, `${message} (${file}${offset === undefined ? '' : ` at byte ${offset}`})`);
    this.file = file;
    this.offset = offset;
  }
}

/**
 * A symbol or timeframe asked of a reader (openStore, `build --select`, `show`) that has no store. Exit 2:
 * the message names what was asked and lists what exists.
 */
export class NotFoundError extends CandleError {
  readonly what: string;
  readonly available: readonly string[];
  constructor(stage: Stage, code: 'UNKNOWN_SYMBOL' | 'UNKNOWN_TIMEFRAME', what: string, message: string, available: readonly string[]) {
    super(stage, code, `${message}; available: ${available.length ? available.join(', ') : '(none)'}`, { exitCode: 2 });
    this.what = what;
    this.available = available;
  }
}

/** The run was cancelled because another task failed first (fail-fast); never the reported cause. */
export class CancelledError extends CandleError {
  constructor(stage: Stage) {
    super(stage, 'CANCELLED', 'cancelled after another task failed');
  }
}

/** Turn anything thrown into the one-line ABORT message and an exit code. */
export function describeFailure(err: unknown, fallbackStage: Stage): { line: string; exitCode: number } {
  if (err instanceof ConfigError || err instanceof LockHeldError || err instanceof NotFoundError) {
    return { line: `candlestore: ${err.message}`, exitCode: err.exitCode };
  }
  const stage = err instanceof CandleError ? err.stage : fallbackStage;
  const message = err instanceof Error ? err.message : String(err);
  const cause = err instanceof Error && err.cause instanceof Error && !message.includes(err.cause.message) ? ` (cause: ${err.cause.message})` : '';
  return { line: `ABORT! Critical error in ${stage}: ${message}${cause}`, exitCode: err instanceof CandleError ? err.exitCode : 1 };
}

/**
 * A request the API refuses or cannot answer: `status` 400 (bad query: the message says what was wrong),
 * 404 (unknown route) or 500 (a damaged store: the message names it). Never carries a stack to the client.
 */
export class ApiError extends CandleError {
  readonly status: 400 | 404 | 500;
  constructor(status: 400 | 404 | 500, code: string, message: string, opts: { cause?: unknown } = {}) {
    super('Serve', code, message, opts);
    this.status = status;
  }
}
