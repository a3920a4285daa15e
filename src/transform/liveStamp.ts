// A temp day (the live day or a provisional closed day) is converted again only when its raw JSON changed.
// The downloader leaves the JSON untouched when the server's answer is what it holds already (a few bytes
// compared), so "changed" is read from the file system rather than from the bytes: once a temp day file is
// written, its mtime is set to the JSON's ctime, which every replacement of the JSON moves (rename, write,
// touch; ctime cannot be set from user space). A day file whose mtime is not that ctime — written by an older
// version, stamped before a crash could finish, the JSON replaced since — is converted again, as always.
// Neither the wall clock's direction nor its resolution matters: equality, not order, is compared.
import { closeSync, openSync, readSync, statSync, utimesSync } from 'node:fs';
import { decodeHeader, HEADER_SIZE } from '../store/format.js';
import { dayFileProblem } from './dayFileCheck.js';

/** utimes takes seconds as a double and lands within ~2 µs of the asked time: equal within this is the same stamp. */
const STAMP_TOLERANCE_NS = 10_000n;

/** Mark `dayFile` as converted from `json` as it is now (after the day file is in place). */
export function stampTempDayFile(json: string, dayFile: string): void {
  const { ctimeNs } = statSync(json, { bigint: true });
  const seconds = Number(ctimeNs / 1000n) / 1e6;
  utimesSync(dayFile, seconds, seconds);
}

/**
 * `dayFile` was converted from `json`'s current content with definition `definition`, and is sound (header,
 * size and records' checksum): converting again would write the same bytes.
 */
export function tempDayFileCurrent(json: string, dayFile: string, symbol: string, definition: number): boolean {
  let jsonCtime: bigint;
  let binMtime: bigint;
  try {
    jsonCtime = statSync(json, { bigint: true }).ctimeNs;
    binMtime = statSync(dayFile, { bigint: true }).mtimeNs;
  } catch {
    return false;
  }
  const diff = jsonCtime > binMtime ? jsonCtime - binMtime : binMtime - jsonCtime;
  if (diff > STAMP_TOLERANCE_NS) return false;
  if (dayFileProblem(dayFile, symbol, true) !== undefined) return false;
  // The settings it was made with: a changed definition rebuilds the layer anyway, but never trust a stale one.
  const buf = Buffer.alloc(HEADER_SIZE);
  const fd = openSync(dayFile, 'r');
  try {
    if (readSync(fd, buf, 0, HEADER_SIZE, 0) < HEADER_SIZE) return false;
  } finally {
    closeSync(fd);
  }
  return decodeHeader(buf, dayFile, 'Transform', { symbol, timeframe: '1m' }).definition === definition;
}
