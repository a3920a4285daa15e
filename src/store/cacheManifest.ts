// Checksums of the raw cache: one text file per month folder, `cache/YYYY/MM/MANIFEST`, with a line per body
// the download stage put in that folder (docs/format.md §7). The cache is closed history that nothing
// rewrites, so a bit flip in it would otherwise stay silent for ever: transform checks each cached day it
// converts, `verify` checks all of them.
//
//   manifest := "# candlestore cache manifest 1\n" line*        (lines sorted, no two alike)
//   line     := name " " bytes " " crc " " line_crc "\n"
//               name: SYMBOL_YYYYMMDD.json; bytes: decimal size; crc: CRC-32 of the body, 8 lower-case hex
//               digits; line_crc: CRC-32 of the line's text before its last space, 8 hex digits
//
// The manifest is replaced whole (temp + fsync + rename + folder fsync) with the new line *before* the body is
// renamed into place, so a cached body on disk always has its line (a crash in between leaves a line without
// a body: harmless). Its content is the sorted set of lines, so it does not depend on the order downloads
// finished in, and a day fetched again with the same body adds nothing: a killed and rerun download ends
// byte-identical. A name may have several lines (a day downloaded again with another body by `rebuild
// weekly`): a body is good when it matches any of them, each being a body the server sent.
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { writeFileAtomic } from '../util/fsx.js';

export const MANIFEST_NAME = 'MANIFEST';
const FIRST_LINE = '# candlestore cache manifest 1\n';

/** One recorded body. */
export interface CacheBody {
  bytes: number;
  crc: number;
}

export interface Manifest {
  /** Recorded bodies by file name, oldest first. */
  entries: Map<string, CacheBody[]>;
  /** Lines that are not well formed or fail their line_crc (damage to the manifest itself). */
  badLines: number;
}

const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');

export function manifestOf(cacheFile: string): string {
  return join(dirname(cacheFile), MANIFEST_NAME);
}

export function bodyOf(bytes: Uint8Array): CacheBody {
  return { bytes: bytes.length, crc: crc32(bytes) };
}

const lineOf = (name: string, body: CacheBody): string => {
  const text = `${name} ${body.bytes} ${hex(body.crc)}`;
  return `${text} ${hex(crc32(text))}`;
};

/** Updates of one manifest run one after another (downloads of one month finish concurrently). */
const queues = new Map<string, Promise<void>>();

/**
 * Add the line of `body` for `cacheFile` to its folder's manifest, durably. Call (and await) before the body
 * is renamed into place.
 */
export function recordCacheBody(cacheFile: string, body: Uint8Array): Promise<void> {
  const file = manifestOf(cacheFile);
  const line = lineOf(basename(cacheFile), bodyOf(body));
  const next = (queues.get(file) ?? Promise.resolve()).then(async () => {
    const lines = new Set(readLines(file));
    if (lines.has(line)) return;
    lines.add(line);
    await writeFileAtomic(file, `${FIRST_LINE}${[...lines].sort().map((l) => `${l}\n`).join('')}`);
  });
  const settled = next.catch(() => {});
  queues.set(file, settled);
  void settled.then(() => {
    if (queues.get(file) === settled) queues.delete(file);
  });
  return next;
}

/** The lines of a manifest after its first (none when there is no manifest). */
function readLines(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines[0] === FIRST_LINE.trimEnd()) lines.shift();
  return lines;
}

/** The manifest of a month folder (empty when there is none). */
export function readManifest(dir: string): Manifest {
  const entries = new Map<string, CacheBody[]>();
  let badLines = 0;
  for (const line of readLines(join(dir, MANIFEST_NAME))) {
    const m = /^(\S+) (\d+) ([0-9a-f]{8}) ([0-9a-f]{8})$/.exec(line);
    if (!m || parseInt(m[4], 16) !== crc32(line.slice(0, line.lastIndexOf(' ')))) {
      badLines++;
      continue;
    }
    const list = entries.get(m[1]) ?? [];
    list.push({ bytes: Number(m[2]), crc: parseInt(m[3], 16) });
    entries.set(m[1], list);
  }
  return { entries, badLines };
}

/** Whether `body` is one of the `recorded` bodies of its name (undefined: none recorded). */
export function matchesRecorded(body: Uint8Array, recorded: readonly CacheBody[] | undefined): boolean | undefined {
  if (recorded === undefined || recorded.length === 0) return undefined;
  const crc = crc32(body);
  return recorded.some((r) => r.bytes === body.length && r.crc === crc);
}
