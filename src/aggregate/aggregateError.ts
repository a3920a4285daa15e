// Every error of the aggregate stage leaves as a CandleError of stage Aggregate naming the symbol and file.
import { CandleError, type Stage } from '../errors.js';

export const STAGE = 'Aggregate' satisfies Stage;

export function asAggregateError(err: unknown, file: string, symbol: string): CandleError {
  if (err instanceof CandleError) {
    err.stage = STAGE;
    return err;
  }
  const message = err instanceof Error ? err.message : String(err);
  return new CandleError(STAGE, 'IO_ERROR', `${symbol}: ${message} (${file})`, { cause: err });
}
