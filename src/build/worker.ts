// Worker-thread entry of `build`: writes one output file (or partition) per task.
import { asWorkerReply, type WorkerReply } from '../workers/pool.js';
import type { OutputTask } from './plan.js';
import { writeOutput, type OutputResult } from './writeOutput.js';

export default function exportTask(task: OutputTask): Promise<WorkerReply<OutputResult>> {
  return asWorkerReply('Build', () => writeOutput(task));
}
