// Splitting a stage's tasks into one group per worker thread, balanced by estimated size (longest first,
// each to the group with the least so far: within 4/3 of the best split, and close to it when the tasks are
// many or similar). A worker then runs its whole group with one commit batch, so it never sits waiting for a
// task's fsyncs before it can start the next task (store/commit.ts).

/** `items` in `count` groups (empty ones dropped), each in descending order of `size`. */
export function balancedGroups<T>(items: readonly T[], count: number, size: (item: T) => number): T[][] {
  const groups = Array.from({ length: Math.max(1, count) }, () => ({ total: 0, items: [] as T[] }));
  for (const item of [...items].sort((a, b) => size(b) - size(a))) {
    let least = groups[0];
    for (const g of groups) if (g.total < least.total) least = g;
    least.items.push(item);
    least.total += size(item);
  }
  return groups.filter((g) => g.items.length > 0).map((g) => g.items);
}
