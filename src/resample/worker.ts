// Worker-thread entry of the resample stage (see workers/pool.ts): one task = a group of symbols, all
// their timeframes, committed as one batch (stage.ts).
import { asWorkerReply, type WorkerReply } from '../workers/pool.js';
import { resampleGroup, type ResampleTask } from './stage.js';
import type { ResampleStats } from './resample.js';

export default function run(group: ResampleTask[]): Promise<WorkerReply<ResampleStats[]>> {
  return asWorkerReply('Resample', () => resampleGroup(group));
}
