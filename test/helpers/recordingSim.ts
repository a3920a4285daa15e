// A sim on a free loopback port that records the path of every request it answers, for tests that assert
// what was fetched (and what was not: a refused symbol makes no candle request).
import { after, before } from 'node:test';
import { startSim, type SimServer } from '../../src/sim/server.js';

export const INSTRUMENT_FIXTURES = new URL('../fixtures/dukascopy/', import.meta.url).pathname;

export interface RecordingSim {
  readonly sim: SimServer;
  /** Request paths in arrival order. */
  readonly requests: string[];
}

/** Started before the test file's tests, closed after them. */
export function useRecordingSim(now: string): RecordingSim {
  let sim: SimServer | undefined;
  const requests: string[] = [];
  before(async () => {
    sim = await startSim({ now: Date.parse(now), verbose: true, log: (line) => requests.push(line.split(' ')[1]) });
  });
  after(async () => {
    await sim?.close();
  });
  return {
    get sim() {
      if (!sim) throw new Error('the recording sim starts in before(): use it inside tests');
      return sim;
    },
    requests,
  };
}

/** GET over plain fetch: status and body text. */
export async function getText(base: string, path: string): Promise<{ status: number; text: string }> {
  const r = await fetch(`${base}${path}`);
  return { status: r.status, text: await r.text() };
}
