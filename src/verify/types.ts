// Shapes of the verify report and of the checks that fill it. A file kind (the aggregate 1m store now,
// resampled timeframes later) has a CheckSuite: file checks run once per file before the scan, record
// checks see every chunk of one forward scan of the committed records, so adding a check costs no extra read.
import type { Header } from '../store/format.js';
import type { StoreIndex } from '../store/indexFormat.js';
import type { RecordChunk } from '../store/chunk.js';
import type { TradingCalendar } from './tradingGaps.js';
import type { OneSidedReport } from './sides.js';

/** File kinds with a CheckSuite here; resampled timeframes are checked by src/resample/verify.ts. */
export type FileKind = 'aggregate';
export type Severity = 'damage' | 'warning';

/** One store file to verify, with its index and optional CSV mirror. */
export interface StoreTarget {
  kind: FileKind;
  symbol: string;
  timeframe: string;
  store: string;
  index: string;
  csv?: string;
}

export interface Finding {
  severity: Severity;
  symbol: string;
  timeframe: string;
  file: string;
  /** Name of the check that found it (`header`, `index`, `order`, `data_crc`, …). */
  check: string;
  message: string;
  offset?: number;
}

/** A run of missing minutes between two records of the same (store-time) day. */
export interface Gap {
  symbol: string;
  timeframe: string;
  /** YYYY-MM-DD */
  day: string;
  /** HH:MM of the first and last missing minute. */
  from: string;
  to: string;
  minutes: number;
}

export interface FileSummary {
  /** `cache`: the raw cache of a symbol (records = cached days); `deep`: a store compared by verify --deep. */
  kind: FileKind | 'resample' | 'cache' | 'deep';
  symbol: string;
  timeframe: string;
  file: string;
  exists: boolean;
  /** Records scanned (the committed part). */
  records: number;
  firstTs?: number;
  lastTs?: number;
  damage: number;
  warnings: number;
  gaps: number;
}

export interface VerifyReport {
  files: FileSummary[];
  /** Damage: the CLI exits non-zero when there is any. */
  damage: Finding[];
  /** Warnings: repairable or informational (an unrepaired crash tail, a stale CSV mirror). */
  warnings: Finding[];
  gaps: Gap[];
  /** Symbols kept on both sides: minutes present on one side only (verify/sides.ts). */
  oneSided?: OneSidedReport[];
}

export interface VerifyOptions {
  /** A gap is a run of more than this many missing minutes inside one day (default 30). */
  gapMinutes?: number;
  /** symbol → its trading calendar (instrument document + the store's shift): gaps only in trading time. */
  calendars?: ReadonlyMap<string, TradingCalendar>;
  /** Findings kept per check per file; the rest are counted in one summary finding (default 20). */
  maxFindingsPerCheck?: number;
  signal?: AbortSignal;
}

/** What a check sees of one file. */
export interface FileContext {
  readonly target: StoreTarget;
  readonly gapMinutes: number;
  /** The symbol's trading calendar, when its instrument document is cached. */
  readonly calendar?: TradingCalendar;
  /** Size of the store file in bytes. */
  readonly size: number;
  readonly header: Header;
  /** The index, when present and readable. */
  readonly index: StoreIndex | undefined;
  /** Record checks scan bytes 64..scanEnd: the committed, whole records. */
  readonly scanEnd: number;
  damage(check: string, message: string, offset?: number): void;
  warn(check: string, message: string, offset?: number): void;
  gap(day: string, from: string, to: string, minutes: number): void;
}

export interface FileCheck {
  name: string;
  run(ctx: FileContext): Promise<void>;
}

export interface RecordVisitor {
  chunk(c: RecordChunk): void;
  end(): void;
}

export interface RecordCheck {
  name: string;
  start(ctx: FileContext): RecordVisitor;
}

export interface CheckSuite {
  file: FileCheck[];
  records: RecordCheck[];
}
