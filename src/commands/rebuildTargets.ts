// What `candlestore rebuild` can rebuild (apart from commands/rebuild.ts so the CLI can list them without
// loading the pipeline).
export const REBUILD_TARGETS = ['full', 'aggregate', 'resample', 'weekly'] as const;
export type RebuildTarget = (typeof REBUILD_TARGETS)[number];
