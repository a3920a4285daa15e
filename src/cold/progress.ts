// Progress of fused workers (days converted), posted to the main thread over a BroadcastChannel named per
// stage run: a worker's task covers a whole group of symbols, so its reply alone would leave the bar still.
import { BroadcastChannel } from 'node:worker_threads';

/** Days between two posts (a cold run converts thousands; each post is a message). */
const POST_EVERY = 32;

export function progressPoster(name: string | undefined): { day: () => void; close: () => void } {
  if (name === undefined) return { day: () => {}, close: () => {} };
  const channel = new BroadcastChannel(name);
  let pending = 0;
  const flush = () => {
    if (pending > 0) channel.postMessage(pending);
    pending = 0;
  };
  return {
    day: () => {
      if (++pending >= POST_EVERY) flush();
    },
    close: () => {
      flush();
      channel.close();
    },
  };
}

/** Listen on a fresh channel; `onDays` gets each posted count. */
export function progressListener(onDays: (days: number) => void): { name: string; close: () => void } {
  const name = `candlestore-fused-${process.pid}-${++listeners}`;
  const channel = new BroadcastChannel(name);
  channel.onmessage = (e) => onDays(Number((e as { data: unknown }).data));
  return { name, close: () => channel.close() };
}

let listeners = 0;
