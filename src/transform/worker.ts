// Worker-thread entry of the transform stage (see workers/pool.ts): one batch of days per task.
import { asWorkerReply, type WorkerReply } from '../workers/pool.js';
import { transformBatch, type TransformResult, type TransformTask } from './transformDay.js';

export default function run(batch: TransformTask[]): Promise<WorkerReply<TransformResult[]>> {
  return asWorkerReply('Transform', () => transformBatch(batch));
}
