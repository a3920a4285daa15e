// The bars the page has loaded for one symbol and timeframe: a contiguous run of the store's bars, oldest
// first, as columns (time in epoch ms on the store's clock), with the indicator columns aligned to them.
// It grows at both ends as the user scrolls and at the tail as `run` adds bars; nothing here fetches.

const BASE = ['time', 'open', 'high', 'low', 'close', 'volume', 'forming'];

export class BarWindow {
  constructor() {
    this.clear();
  }

  clear() {
    for (const k of BASE) this[k] = [];
    this.cols = new Map();
    /** No bar before the first one / after the last one in the store (as far as we know). */
    this.atStart = false;
    this.atEnd = false;
  }

  get length() {
    return this.time.length;
  }

  get firstTime() {
    return this.time[0];
  }

  get lastTime() {
    return this.time[this.time.length - 1];
  }

  /** Bars older than the first one; returns how many were added. */
  prepend(chunk) {
    const keep = chunk.time.findIndex((t) => !(t < this.firstTime));
    const n = this.length === 0 ? chunk.time.length : keep < 0 ? chunk.time.length : keep;
    if (n === 0) return 0;
    for (const k of BASE) this[k] = chunk[k].slice(0, n).concat(this[k]);
    const had = this.length - n;
    for (const [name, values] of this.cols) this.cols.set(name, (chunk.cols.get(name) ?? nulls(n)).slice(0, n).concat(values));
    for (const [name, values] of chunk.cols) if (!this.cols.has(name)) this.cols.set(name, values.slice(0, n).concat(nulls(had)));
    return n;
  }

  /**
   * Bars from chunk's first time on replace what the window holds from that time (a bar still forming has
   * changed, new bars arrived). Returns the index of the first replaced bar.
   */
  replaceFrom(chunk) {
    if (chunk.time.length === 0) return this.length;
    const at = this.lowerBound(chunk.time[0]);
    for (const k of BASE) this[k] = this[k].slice(0, at).concat(chunk[k]);
    const names = new Set([...this.cols.keys(), ...chunk.cols.keys()]);
    for (const name of names) {
      const old = (this.cols.get(name) ?? nulls(at)).slice(0, at);
      this.cols.set(name, old.concat(chunk.cols.get(name) ?? nulls(chunk.time.length)));
    }
    return at;
  }

  /** Indicator columns of `chunk` written onto the bars with the same times (the others are left as they are). */
  setColumns(chunk) {
    for (const [name, values] of chunk.cols) {
      const target = this.cols.get(name) ?? nulls(this.length);
      let i = this.lowerBound(chunk.time[0] ?? Infinity);
      for (let k = 0; k < chunk.time.length && i < this.length; k++) {
        while (i < this.length && this.time[i] < chunk.time[k]) i++;
        if (this.time[i] === chunk.time[k]) target[i] = values[k];
      }
      this.cols.set(name, target);
    }
  }

  /** Forget the `n` newest bars (the window then no longer reaches the end of the store). */
  dropNewest(n) {
    if (n <= 0) return;
    const keep = Math.max(0, this.length - n);
    for (const k of BASE) this[k] = this[k].slice(0, keep);
    for (const [name, values] of this.cols) this.cols.set(name, values.slice(0, keep));
    this.atEnd = false;
  }

  /** Forget the `n` oldest bars. */
  dropOldest(n) {
    if (n <= 0) return;
    for (const k of BASE) this[k] = this[k].slice(n);
    for (const [name, values] of this.cols) this.cols.set(name, values.slice(n));
    this.atStart = false;
  }

  dropColumns(names) {
    for (const n of names) this.cols.delete(n);
  }

  /** Index of the first bar with time ≥ t. */
  lowerBound(t) {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.time[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function nulls(n) {
  return new Array(n).fill(null);
}
