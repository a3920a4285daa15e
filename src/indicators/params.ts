// Parameter specs used by many indicators, so bounds are the same everywhere.
import type { ParamSpec } from './types.js';

/** Longest window any indicator accepts: a year of 1m bars is ~370k; 10k keeps warm-up reads bounded. */
export const MAX_PERIOD = 10_000;

export function period(name: string, def: number, description = 'bars in the window', min = 1): ParamSpec {
  return { name, description, default: def, min, max: MAX_PERIOD, integer: true };
}

export function factor(name: string, def: number, description: string, min = 0.01, max = 100): ParamSpec {
  return { name, description, default: def, min, max, integer: false };
}
