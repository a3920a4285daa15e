// Is a 1m day file fit to be read? Day files are written without fsync (one per day: thousands in a cold
// run, where an fsync each would cost more than the conversion), so after a power loss one may be missing,
// empty, short, or hold bytes that were never written (zeros). A day file is a pure function of its raw day,
// so the transform stage checks every day file a later stage may read before trusting it, and converts the
// raw day again when the check fails (docs/format.md §8).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { CorruptFileError } from '../errors.js';
import { HEADER_SIZE, RECORD_SIZE, bodyCrcOf, decodeHeader } from '../store/format.js';

/**
 * Why `file` cannot be trusted as `symbol`'s day file, or undefined when it can. `full`: the records are
 * checked too (whole read; for days a later stage will read), else only the header and the size (one
 * 64-byte read; for days already in the store, so that a damaged one is still noticed and rebuilt).
 */
export function dayFileProblem(file: string, symbol: string, full: boolean): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    return `cannot open: ${(err as Error).message}`;
  }
  try {
    const size = fstatSync(fd).size;
    if (size < HEADER_SIZE) return size === 0 ? 'empty' : `${size} bytes, shorter than a header`;
    if ((size - HEADER_SIZE) % RECORD_SIZE !== 0) return `${size} bytes: ends in a partial record`;
    const buf = Buffer.allocUnsafe(full ? size : HEADER_SIZE);
    if (readFully(fd, buf) < buf.length) return 'shorter than its size';
    let header;
    try {
      header = decodeHeader(buf.subarray(0, HEADER_SIZE), file, 'Transform', { symbol, timeframe: '1m' });
    } catch (err) {
      if (err instanceof CorruptFileError) return err.message;
      throw err;
    }
    if (full && bodyCrcOf(buf) !== header.bodyCrc) return 'its records do not match the header\'s body_crc';
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function readFully(fd: number, buf: Buffer): number {
  let got = 0;
  while (got < buf.length) {
    const n = readSync(fd, buf, got, buf.length - got, got);
    if (n === 0) break;
    got += n;
  }
  return got;
}
