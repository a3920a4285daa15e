// Worker-thread entry of the aggregate stage (see workers/pool.ts and stage.ts): one task = a group of
// symbols, committed as one batch.
import { asWorkerReply, type WorkerReply } from '../workers/pool.js';
import type { AggregateStats } from './aggregate.js';
import { aggregateGroup, type AggregateTask } from './stage.js';

export default function run(group: AggregateTask[]): Promise<WorkerReply<AggregateStats[]>> {
  return asWorkerReply('Aggregate', () => aggregateGroup(group));
}
