// The download client's options from the config's `download` section: one mapping for every caller that
// talks to the service (the run's Download stage, instrument documents, the `instruments` command).
import type { Config } from '../config/schema.js';
import type { DownloadOptions } from './client.js';

export function clientOptions(d: Config['download']): DownloadOptions {
  return {
    baseUrl: d.base_url,
    rateLimitRps: d.rate_limit_rps,
    concurrency: d.concurrency,
    timeoutMs: d.timeout_ms,
    maxRetries: d.max_retries,
    backoffMs: d.backoff_ms,
    backoffMaxMs: d.backoff_max_ms,
    settleMs: d.settle_minutes * 60_000,
  };
}
