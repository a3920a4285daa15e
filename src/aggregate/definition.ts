// A day file appended to a 1m store must have been made with the store's definition (the symbol's
// decimals; with header v2 also the definition fingerprint: time shift and decimals), or the store would
// mix two time axes or precisions. pipeline/definitions.ts stops a run whose config changed before any
// stage; this catches day files left from other settings (a definition file deleted by hand, say).
import { CorruptFileError } from '../errors.js';
import type { Header } from '../store/format.js';

export function checkDayDefinition(day: Header, store: Header, dayFile: string, storeFile: string): void {
  if (day.decimals !== store.decimals) {
    throw new CorruptFileError('Aggregate', dayFile, `prices have ${day.decimals} decimals but the store ${storeFile} has ${store.decimals}; run \`candlestore rebuild full\` after changing decimals`, undefined, 'DECIMALS_MISMATCH');
  }
}
