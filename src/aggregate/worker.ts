// Worker-thread entry of the aggregate stage (see pipeline/pool.ts and stage.ts): one task = one symbol.
import { asWorkerReply, type WorkerReply } from '../pipeline/pool.js';
import type { AggregateStats } from './aggregate.js';
import { aggregateTask, type AggregateTask } from './stage.js';

export default function run(task: AggregateTask): Promise<WorkerReply<AggregateStats>> {
  return asWorkerReply('Aggregate', () => aggregateTask(task));
}
