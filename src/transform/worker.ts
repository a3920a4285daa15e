// Worker-thread entry of the transform stage (see pipeline/pool.ts).
import { asWorkerReply, type WorkerReply } from '../pipeline/pool.js';
import { transformDayFile, type TransformResult, type TransformTask } from './transformDay.js';

export default function run(task: TransformTask): Promise<WorkerReply<TransformResult>> {
  return asWorkerReply('Transform', () => transformDayFile(task));
}
