// A day file appended to a 1m store must have been made with the store's definition (time shift and
// decimals: the header's `definition` fingerprint, and its decimals), or the store would mix two time axes
// or precisions. pipeline/definitions.ts stops a run whose config changed before any stage; this catches
// day files left from other settings (a definition file deleted by hand, a day file copied from another
// root). Days without records are not checked: they hold nothing a setting could have changed.
import { CorruptFileError } from '../errors.js';
import type { Header } from '../store/format.js';

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

export function checkDayDefinition(day: Header, store: Header, dayFile: string, storeFile: string): void {
  if (day.decimals !== store.decimals) {
    throw new CorruptFileError('Aggregate', dayFile, `prices have ${day.decimals} decimals but the store ${storeFile} has ${store.decimals}; the day file was made with other settings: run \`candlestore rebuild full\``, undefined, 'DECIMALS_MISMATCH');
  }
  if (day.definition !== store.definition) {
    throw new CorruptFileError('Aggregate', dayFile, `made with other settings (definition ${hex(day.definition)}) than the store ${storeFile} (definition ${hex(store.definition)}, time shift and decimals); run \`candlestore rebuild full\``, undefined, 'DEFINITION_MISMATCH');
  }
}
