// Child process of the bench: one cold `run --no-download` (transform → aggregate → resample) of a root,
// run through the pipeline coordinator exactly as the CLI does (run lock, stage order, worker threads),
// in a fresh process so each repetition starts cold (no JIT, no pools, RSS of this run alone).
// Prints one `BENCH-RESULT {json}` line: per-stage seconds and counters, the monotonic-clock window of
// each stage (to cut CPU profiles by stage), its CPU seconds over all threads, and
// process.resourceUsage().maxRSS.
//   node bench/dist/bench/child/pipeline.js --root DIR [--now ISO] [--stage-by-stage]
// --stage-by-stage: no symbol takes the fused cold path, so Transform and Aggregate are measured apart.
import { parseArgs } from 'node:util';
import { buildContext } from '../../src/pipeline/context.js';
import { runStages, type PipelineStage } from '../../src/pipeline/run.js';
import { parseInstant } from '../../src/util/dates.js';
import { coldStages } from '../stages.js';

export interface PipelineChildResult {
  /** Per stage: wall seconds, counters, monotonic window (µs) and CPU seconds of the whole process (all threads). */
  stages: { stage: string; seconds: number; counters: Record<string, number>; startUs: number; endUs: number; cpuSeconds: number; systemSeconds: number; rssPeakKb: number }[];
  seconds: number;
  maxRssKb: number;
}

const { values } = parseArgs({ options: { root: { type: 'string' }, now: { type: 'string' }, 'stage-by-stage': { type: 'boolean', default: false } } });
if (!values.root) throw new Error('--root is required');
const ctx = await buildContext({ root: values.root, now: values.now ? parseInstant(values.now) : undefined, quiet: true });
const stages = coldStages(ctx, { stageByStage: values['stage-by-stage'] });
const windows = new Map<string, { startUs: number; endUs: number; cpuSeconds: number; systemSeconds: number; rssPeakKb: number }>();
// RSS sampled every 50 ms (and at each stage's end): which stage holds the peak. The main thread yields at
// least every 20 ms in every stage, so the samples keep coming.
let rssPeak = 0;
const sampleRss = () => (rssPeak = Math.max(rssPeak, process.memoryUsage.rss()));
const sampler = setInterval(sampleRss, 50);
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
/** Of which in the kernel (file reads and writes, fsync, page faults): a stage's I/O cost. */
const systemSeconds = () => process.cpuUsage().system / 1e6;
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const timed: PipelineStage[] = stages.map((s) => ({
  stage: s.stage,
  async run(signal) {
    const startUs = nowUs();
    const cpu0 = cpuSeconds();
    const sys0 = systemSeconds();
    rssPeak = 0;
    try {
      return await s.run(signal);
    } finally {
      sampleRss();
      windows.set(s.stage, { startUs, endUs: nowUs(), cpuSeconds: cpuSeconds() - cpu0, systemSeconds: systemSeconds() - sys0, rssPeakKb: Math.round(rssPeak / 1024) });
    }
  },
}));
const summary = await runStages(ctx, timed);
clearInterval(sampler);
const result: PipelineChildResult = {
  stages: summary.stages.map((r) => ({ stage: r.stage, seconds: r.seconds, counters: r.counters, ...windows.get(r.stage)! })),
  seconds: summary.seconds,
  maxRssKb: process.resourceUsage().maxRSS,
};
process.stdout.write(`BENCH-RESULT ${JSON.stringify(result)}\n`);
