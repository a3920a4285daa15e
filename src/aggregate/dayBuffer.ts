// The per-thread buffer every day file is read into (grown when needed, never freed), with the typed-array
// views the record pass works on (records.ts). A cold run reads thousands of ~92 KB day files: one buffer
// for all of them instead of one allocation each. Valid until the next readDayFile in the same thread.
import { readSync } from 'node:fs';

export interface DayBuffer {
  buf: Buffer;
  f64: Float64Array;
  u32: Uint32Array;
  i32: Int32Array;
}

let day: DayBuffer | undefined;

/** The day buffer, at least `bytes` long (its first `keep` bytes kept when it grows). */
function dayBuffer(bytes: number, keep = 0): DayBuffer {
  if (day === undefined || day.buf.length < bytes) {
    // allocUnsafeSlow: an own ArrayBuffer at offset 0, so the views are 8-byte aligned.
    const grown = Buffer.allocUnsafeSlow(Math.max(bytes, 256 * 1024, 2 * (day?.buf.length ?? 0)));
    if (keep > 0) day!.buf.copy(grown, 0, 0, keep);
    day = {
      buf: grown,
      f64: new Float64Array(grown.buffer, 0, grown.length >> 3),
      u32: new Uint32Array(grown.buffer, 0, grown.length >> 2),
      i32: new Int32Array(grown.buffer, 0, grown.length >> 2),
    };
  }
  return day;
}

/**
 * Read the whole open file `fd` into the day buffer (from byte 0); returns the buffer and the file's size.
 * No fstat: a read that comes back short has reached the end of a regular file.
 */
export function readDayFile(fd: number): { day: DayBuffer; size: number } {
  let got = 0;
  for (;;) {
    let d = dayBuffer(got + 1, got);
    if (got === d.buf.length) d = dayBuffer(d.buf.length + 1, got);
    const want = d.buf.length - got;
    const n = readSync(fd, d.buf, got, want, got);
    got += n;
    // Were a short read ever not the end, the day would be taken as shorter: a cut record is refused as
    // stray bytes, and whole records missed are in no commit the reader trusts (final days are complete).
    if (n < want) return { day: d, size: got };
  }
}
