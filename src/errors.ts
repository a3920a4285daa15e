// Every error candlestore raises on purpose lives here: one registry of codes (ERROR_CODES: the stages that
// may raise each, the exit code, one line of meaning), a base class that takes its exit code from the
// registry, and subclasses with context fields. The CLI builds the `ABORT! Critical error in <Stage>: …`
// line and the exit code from these, so callers never format error text themselves. The README's error table
// is checked against ERROR_CODES by test/errors.test.ts.
//
// The stage is fixed where the error is made: a code that belongs to one part of the pipeline lists only
// that stage, and the type of the constructor's `stage` argument refuses any other (a damaged aggregate index
// is an Aggregate error whichever stage reads it). Codes about a file's bytes (BAD_HEADER, TRUNCATED, …)
// belong to whichever stage reads the file and list every stage.

export type Stage = 'Config' | 'Lock' | 'Run' | 'Download' | 'Transform' | 'Aggregate' | 'Resample' | 'Verify' | 'Build' | 'Serve' | 'Sim';

/** Any stage: the code is about a file or a condition, not one part of the pipeline. */
const ANY = 'any';

interface ErrorSpec {
  readonly stages: readonly Stage[] | typeof ANY;
  readonly exit: number;
  readonly meaning: string;
}

export const ERROR_CODES = {
  // usage and configuration: exit 2, printed as `candlestore: <message>`
  CONFIG_INVALID: { stages: ['Config'], exit: 2, meaning: 'a config file or sim option has a bad key or value; the message names the file and key' },
  BAD_USAGE: { stages: ['Config'], exit: 2, meaning: 'a command-line argument is wrong (unknown rebuild target, bad date, bad number)' },
  BAD_SYMBOL: { stages: ['Config'], exit: 2, meaning: 'a symbol name is invalid or duplicated, or no symbols are listed' },
  NO_SUCH_INSTRUMENT: { stages: ['Config'], exit: 2, meaning: 'the service has no instrument of that name (its /v1/instruments document is 404); the message names the nearest real names' },
  DEFINITION_CHANGED: { stages: ['Config'], exit: 2, meaning: 'a setting that decides stored bytes (time shift, decimals, session, timeframe) changed since the stores were built; the message names it, the old and new value and the rebuild' },
  // the run lock
  LOCK_HELD: { stages: ['Lock'], exit: 3, meaning: 'another candlestore run holds data/locks/run.lock' },
  LOCK_FAILED: { stages: ['Lock'], exit: 1, meaning: 'the run lock cannot be created, read or taken over (permissions, disk)' },
  // the run as a whole
  INTERRUPTED: { stages: ANY, exit: 130, meaning: 'SIGINT or SIGTERM: the run stopped at a safe point and released its lock' },
  CANCELLED: { stages: ANY, exit: 1, meaning: 'a task cancelled because another failed first (never the reported cause)' },
  INTERNAL: { stages: ANY, exit: 1, meaning: 'an unexpected failure (a bug); the message carries the original error' },
  IO_ERROR: { stages: ANY, exit: 1, meaning: 'a file operation failed (disk full, permissions); the message names the file' },
  // download
  HTTP_STATUS: { stages: ['Download'], exit: 1, meaning: 'the server answered with an error status (after retries for 429/5xx)' },
  TIMEOUT: { stages: ['Download'], exit: 1, meaning: 'no complete answer within download.timeout_ms' },
  NETWORK: { stages: ['Download'], exit: 1, meaning: 'connection refused or reset' },
  RETRIES_EXHAUSTED: { stages: ['Download'], exit: 1, meaning: 'a day still failed after download.max_retries attempts' },
  UNKNOWN_INSTRUMENT: { stages: ['Download', 'Sim'], exit: 1, meaning: 'the server does not know the instrument (HTTP 404)' },
  BAD_INSTRUMENT: { stages: ['Download', 'Config'], exit: 1, meaning: 'an instrument document (served, or cached in cache/instruments) is not valid JSON of the documented shape' },
  // the Dukascopy day document (download checks each body, transform decodes the cache)
  BAD_JSON: { stages: ['Download', 'Transform'], exit: 1, meaning: 'a day document is not valid JSON' },
  BAD_SHAPE: { stages: ['Download', 'Transform'], exit: 1, meaning: 'a day document lacks a field or its arrays disagree' },
  BAD_CANDLE: { stages: ['Transform'], exit: 1, meaning: 'a decoded candle is impossible (prices not low ≤ open, close ≤ high, time off the grid)' },
  READ_FAILED: { stages: ['Transform'], exit: 1, meaning: 'a cached day cannot be read' },
  CACHE_CHECKSUM: { stages: ['Transform'], exit: 1, meaning: 'a cached day matches no checksum its month\'s MANIFEST recorded (changed on disk since download); delete it to download it again' },
  // file formats (any stage that reads the file)
  CORRUPT_FILE: { stages: ANY, exit: 1, meaning: 'a file does not have the shape it must have' },
  BAD_HEADER: { stages: ANY, exit: 1, meaning: 'a .bin header is short, has a bad magic, version, record size or checksum' },
  BAD_INDEX: { stages: ANY, exit: 1, meaning: 'an .idx pointer file is invalid (size, magic, version, checksum, positions)' },
  WRONG_SYMBOL: { stages: ANY, exit: 1, meaning: 'a .bin file holds another symbol than its name says' },
  WRONG_TIMEFRAME: { stages: ANY, exit: 1, meaning: 'a .bin file holds another timeframe than its folder says' },
  TRUNCATED: { stages: ANY, exit: 1, meaning: 'a file is shorter than its index says, ends in a partial record, or shrank while read' },
  BAD_DEFINITION: { stages: ANY, exit: 1, meaning: 'a .def.json definition file does not parse, or its fingerprint is not the CRC-32 of its definition' },
  // aggregate
  STORE_DAMAGED: { stages: ['Aggregate'], exit: 1, meaning: 'an aggregate store or its index is damaged; `rebuild aggregate` rebuilds it' },
  DECIMALS_MISMATCH: { stages: ['Aggregate', 'Resample'], exit: 1, meaning: 'a file has other price decimals than the store it goes into' },
  DEFINITION_MISMATCH: { stages: ['Aggregate'], exit: 1, meaning: 'a day file was made with other settings (definition fingerprint) than the 1m store it goes into' },
  BAD_RECORD: { stages: ['Aggregate'], exit: 1, meaning: 'a day-file record cannot be a 1m candle' },
  BODY_CRC: { stages: ['Aggregate'], exit: 1, meaning: 'a day file\'s records do not match its header\'s body_crc; the next run converts it again' },
  TS_ORDER: { stages: ['Aggregate', 'Resample'], exit: 1, meaning: 'record timestamps do not strictly increase' },
  // resample
  RESAMPLE_DAMAGED: { stages: ['Resample'], exit: 1, meaning: 'a resampled file or its index is damaged; `rebuild resample` rebuilds it' },
  BAR_ORDER: { stages: ['Resample'], exit: 1, meaning: 'source rows fall into a bar before the one they follow' },
  // readers (build, show, the library's openStore)
  UNKNOWN_SYMBOL: { stages: ANY, exit: 2, meaning: 'no store for the symbol asked for (or no candlestore root there); the message lists those that exist' },
  UNKNOWN_TIMEFRAME: { stages: ANY, exit: 2, meaning: 'the symbol has no store of the timeframe asked for; the message lists those that exist' },
  GENERATION_MISMATCH: { stages: ANY, exit: 1, meaning: 'a store and its index kept belonging to different incarnations of the file (a rebuild under a reader)' },
  SIDES_MISMATCH: { stages: ANY, exit: 1, meaning: 'mid or spread asked of a symbol whose BID and ASK stores have different price decimals (one side built with other settings)' },
  // export (build)
  BAD_MANIFEST: { stages: ['Config'], exit: 2, meaning: 'the export folder holds a manifest that is not candlestore\'s or of another version' },
  STORE_CHANGED: { stages: ['Build'], exit: 1, meaning: 'a store was rebuilt while it was being exported; build again' },
  ROWS_CHANGED: { stages: ['Build'], exit: 1, meaning: 'an export read another number of rows than it planned' },
  // HTTP API (serve): answered as HTTP statuses, never an exit
  BAD_QUERY: { stages: ['Serve'], exit: 1, meaning: 'HTTP 400: a malformed path or parameter, a bad time, after ≥ until, a limit out of range, a path trick' },
  BAD_INDICATOR: { stages: ['Serve'], exit: 1, meaning: 'HTTP 400: an unknown indicator or a parameter out of its bounds' },
  STORE_UNREADABLE: { stages: ['Serve'], exit: 1, meaning: 'HTTP 500: a store cannot be read (the message names it); the server keeps serving the others' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The stages that may raise `C` (every stage for a code about a file or a condition). */
export type StageOf<C extends ErrorCode> = (typeof ERROR_CODES)[C]['stages'] extends readonly (infer S)[] ? S & Stage : Stage;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

export class CandleError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  stage: Stage;
  /** Process exit code the CLI uses when this error ends a command (from ERROR_CODES). */
  readonly exitCode: number;
  constructor(stage: StageOf<C>, code: C, message: string, opts: { cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.stage = stage;
    this.code = code;
    this.exitCode = ERROR_CODES[code].exit;
  }
}

type ConfigCode = 'CONFIG_INVALID' | 'BAD_USAGE' | 'BAD_SYMBOL' | 'BAD_MANIFEST' | 'DEFINITION_CHANGED' | 'NO_SUCH_INSTRUMENT';

/** Bad config file, bad symbol name, bad CLI usage: exit 2. */
export class ConfigError extends CandleError<ConfigCode> {
  readonly file: string | undefined;
  constructor(message: string, file?: string, code: ConfigCode = 'CONFIG_INVALID') {
    super('Config', code, file ? `${file}: ${message}` : message);
    this.file = file;
  }
}

/** Another live candlestore run holds the run lock: exit 3. */
export class LockHeldError extends CandleError<'LOCK_HELD'> {
  readonly pid: number;
  constructor(lockFile: string, pid: number) {
    super('Lock', 'LOCK_HELD', `another candlestore run (pid ${pid}) holds ${lockFile}; wait for it to finish`);
    this.pid = pid;
  }
}

export type DownloadCode = { [C in ErrorCode]: 'Download' extends StageOf<C> ? C : never }[ErrorCode];

/** A download that failed for good (after retries, or a non-retryable answer). */
export class DownloadError extends CandleError<DownloadCode> {
  readonly symbol: string;
  readonly day: string;
  readonly status: number | undefined;
  constructor(code: DownloadCode, symbol: string, day: string, message: string, opts: { status?: number; cause?: unknown } = {}) {
    super('Download', code, `${symbol} ${day}: ${message}`, { cause: opts.cause });
    this.symbol = symbol;
    this.day = day;
    this.status = opts.status;
  }
}

/** A file on disk (or a response body) that does not have the shape it must have. */
export class CorruptFileError<C extends ErrorCode = ErrorCode> extends CandleError<C> {
  readonly file: string;
  readonly offset: number | undefined;
  constructor(stage: StageOf<C>, file: string, message: string, offset?: number, code: C = 'CORRUPT_FILE' as C) {
    super(stage, code, `${message} (${file}${offset === undefined ? '' : ` at byte ${offset}`})`);
    this.file = file;
    this.offset = offset;
  }
}

/**
 * A symbol or timeframe asked of a reader (openStore, `build --select`, `show`) that has no store. Exit 2:
 * the message names what was asked and lists what exists.
 */
export class NotFoundError extends CandleError<'UNKNOWN_SYMBOL' | 'UNKNOWN_TIMEFRAME'> {
  readonly what: string;
  readonly available: readonly string[];
  constructor(stage: Stage, code: 'UNKNOWN_SYMBOL' | 'UNKNOWN_TIMEFRAME', what: string, message: string, available: readonly string[]) {
    super(stage, code, `${message}; available: ${available.length ? available.join(', ') : '(none)'}`);
    this.what = what;
    this.available = available;
  }
}

/** The run was cancelled because another task failed first (fail-fast); never the reported cause. */
export class CancelledError extends CandleError<'CANCELLED'> {
  constructor(stage: Stage) {
    super(stage, 'CANCELLED', 'cancelled after another task failed');
  }
}

/** SIGINT/SIGTERM stopped the command: exit 130, reported as `candlestore: interrupted`. */
export class InterruptedError extends CandleError<'INTERRUPTED'> {
  constructor(stage: Stage, signal?: string) {
    super(stage, 'INTERRUPTED', signal ? `interrupted (${signal})` : 'interrupted');
  }
}

/** Turn anything thrown into the one-line message and an exit code. */
export function describeFailure(err: unknown, fallbackStage: Stage): { line: string; exitCode: number } {
  if (err instanceof InterruptedError) return { line: 'candlestore: interrupted', exitCode: err.exitCode };
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
export type ApiCode = 'BAD_QUERY' | 'BAD_INDICATOR' | 'UNKNOWN_SYMBOL' | 'UNKNOWN_TIMEFRAME' | 'STORE_UNREADABLE' | 'INTERNAL';

export class ApiError extends CandleError<ApiCode> {
  readonly status: 400 | 404 | 500;
  constructor(status: 400 | 404 | 500, code: ApiCode, message: string, opts: { cause?: unknown } = {}) {
    super('Serve', code, message, opts);
    this.status = status;
  }
}
