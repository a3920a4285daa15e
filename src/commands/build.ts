// `candlestore build`: export selected series to Parquet, CSV or MT4 CSV (src/build/build.ts).
import { build, type BuildRequest, type BuildSummary } from '../build/build.js';

export async function buildCommand(req: BuildRequest): Promise<BuildSummary> {
  return build(req);
}
