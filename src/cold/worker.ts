// Worker-thread entry of the fused cold path (see workers/pool.ts): one task = a group of symbols, committed
// as one batch. Progress goes back to the main thread over a BroadcastChannel, every few days.
import { asWorkerReply, type WorkerReply } from '../workers/pool.js';
import { fusedGroup, type FusedResult } from './fused.js';
import type { FusedGroupTask } from './stage.js';
import { progressPoster } from './progress.js';

export default async function run(group: FusedGroupTask): Promise<WorkerReply<FusedResult[]>> {
  const post = progressPoster(group.progressChannel);
  try {
    return await asWorkerReply('Transform', () => fusedGroup(group.symbols, { onDay: post.day }));
  } finally {
    post.close();
  }
}
