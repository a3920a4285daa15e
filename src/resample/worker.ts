// Worker-thread entry of the resample stage (see pipeline/pool.ts): one task = one symbol, all timeframes.
import { asWorkerReply, type WorkerReply } from '../pipeline/pool.js';
import { resampleTask, type ResampleTask } from './stage.js';
import type { ResampleStats } from './resample.js';

export default function run(task: ResampleTask): Promise<WorkerReply<ResampleStats>> {
  return asWorkerReply('Resample', () => resampleTask(task));
}
