// Appending days from memory (the fused cold path, src/cold/): a day the same thread converts in this run
// is handed to the append run as the bytes of its day file, just written, instead of being read back from
// disk. Everything else the append run does to a day (header and definition check, the record pass, src,
// the commit protocol) is the same, so the store is byte for byte the one the stage-by-stage path makes.
// The body_crc check is skipped for such a day: it guards against a day file the disk lost (they are not
// fsynced), and these bytes never came from the disk.
import type { DayBuffer } from './dayBuffer.js';
import type { DayFile } from './dayFiles.js';

/** A day converted by the caller when the append run reaches it: `convert` writes the day file and returns its bytes. */
export interface MemoryDay extends DayFile {
  convert: () => Buffer;
}

export function isMemoryDay(day: DayFile): day is MemoryDay {
  return typeof (day as Partial<MemoryDay>).convert === 'function';
}

/**
 * `listed` (day files on disk, sorted by date) with `converted` merged in, sorted by date: a converted day
 * replaces the listed file of its date (it rewrites that very file), and as on disk a closed day wins over a
 * live one of the same date.
 */
export function withConverted(listed: readonly DayFile[], converted: readonly MemoryDay[] | undefined): DayFile[] {
  if (!converted || converted.length === 0) return [...listed];
  const byDate = new Map<number, DayFile>();
  const put = (d: DayFile, replaces: boolean) => {
    const had = byDate.get(d.date);
    if (had === undefined || (had.live && !d.live) || (replaces && had.live === d.live)) byDate.set(d.date, d);
  };
  for (const d of listed) put(d, false);
  for (const d of converted) put(d, true);
  return [...byDate.values()].sort((a, b) => a.date - b.date);
}

/** Typed-array views over a day file's bytes (copied into an aligned buffer when they are not 8-byte aligned). */
export function dayBufferOf(bytes: Buffer): DayBuffer {
  const buf = bytes.byteOffset % 8 === 0 ? bytes : Buffer.from(new Uint8Array(bytes).buffer);
  const words = buf.length >> 3;
  return {
    buf,
    f64: new Float64Array(buf.buffer, buf.byteOffset, words),
    u32: new Uint32Array(buf.buffer, buf.byteOffset, words * 2),
    i32: new Int32Array(buf.buffer, buf.byteOffset, words * 2),
  };
}
