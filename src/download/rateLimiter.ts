// The process-wide request rate limit (DESIGN §3 "one global token bucket for the whole process"): every
// HTTP attempt of every download worker, retries included, takes one token first. The bucket holds at most
// `burst = max(1, ceil(rps))` tokens and refills continuously at `rps` tokens per second; waiters are served
// in FIFO order and can be cancelled with an AbortSignal.
//
// Hand-written rather than a dependency: it is ~60 lines, and what matters is the cross-request, cross-worker
// global semantics (one bucket shared by all clients of the process, cancellable waits), which generic
// per-function throttling packages do not model.
import { CancelledError } from '../errors.js';

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export class RateLimiter {
  private rps = 0;
  private burst = 1;
  private tokens = 1;
  private last = performance.now();
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;

  /** `rps` ≤ 0 or not finite disables limiting. */
  constructor(rps: number) {
    this.setRate(rps);
    this.tokens = this.burst;
  }

  get rate(): number { return this.rps; }

  /** Change the rate (keeps the tokens already earned, clamped to the new burst). */
  setRate(rps: number): void {
    this.refill();
    this.rps = Number.isFinite(rps) && rps > 0 ? rps : Infinity;
    this.burst = Number.isFinite(this.rps) ? Math.max(1, Math.ceil(this.rps)) : 1;
    this.tokens = Math.min(this.tokens, this.burst);
    this.pump();
  }

  /** Resolve when a token is taken; throws CancelledError('Download') when `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new CancelledError('Download'));
    if (this.rps === Infinity) return Promise.resolve();
    this.refill();
    if (this.queue.length === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.queue.indexOf(waiter);
          if (i >= 0) this.queue.splice(i, 1);
          reject(new CancelledError('Download'));
          this.pump();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
      this.pump();
    });
  }

  private refill(): void {
    const now = performance.now();
    if (Number.isFinite(this.rps)) this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rps);
    this.last = now;
  }

  private pump(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.refill();
    while (this.queue.length > 0 && (this.tokens >= 1 || this.rps === Infinity)) {
      const w = this.queue.shift()!;
      if (this.rps !== Infinity) this.tokens -= 1;
      if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
      w.resolve();
    }
    if (this.queue.length > 0) {
      const waitMs = Math.max(1, Math.ceil(((1 - this.tokens) / this.rps) * 1000));
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, waitMs);
    }
  }
}

let shared: RateLimiter | undefined;

/** The one limiter of this process; created on first use, later calls set its rate to `rps`. */
export function globalRateLimiter(rps: number): RateLimiter {
  if (!shared) shared = new RateLimiter(rps);
  else if (shared.rate !== (Number.isFinite(rps) && rps > 0 ? rps : Infinity)) shared.setRate(rps);
  return shared;
}
