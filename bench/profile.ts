// `--profile`: where the time goes in the runs that miss their targets. A run is repeated under
// `node --cpu-prof` (one .cpuprofile per thread: the main thread and each worker) and every profile is
// reduced to self time per function. Worker threads are named by what they run (transform or resample
// worker); the main thread's samples are cut by the stage windows the child reports (same monotonic
// clock as the profiler's), so aggregate work, which runs on the main thread, shows on its own.
// A function blocked in a synchronous system call (readSync, fsyncSync…) is sampled as itself: I/O waits
// show up as self time of the fs binding, not as idle.
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface HotFunction {
  fn: string;
  where: string;
  selfMs: number;
  pct: number;
}

export interface ProfileSummary {
  /** What was profiled (e.g. "cold pipeline", "incremental step"). */
  run: string;
  /** "main thread · Aggregate", "transform workers (2)", … */
  part: string;
  sampledMs: number;
  top: HotFunction[];
}

interface Window {
  stage: string;
  startUs: number;
  endUs: number;
}

/** Summaries of every .cpuprofile in `dir`: workers merged by role, the main thread cut by `windows`. */
export function summariseProfiles(dir: string, run: string, windows: readonly Window[] = [], topN = 12): ProfileSummary[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
  const groups = new Map<string, { threads: number; self: Map<string, number>; total: number }>();
  const addTo = (part: string, self: Map<string, number>, total: number) => {
    const g = groups.get(part) ?? { threads: 0, self: new Map<string, number>(), total: 0 };
    g.threads++;
    g.total += total;
    for (const [k, v] of self) g.self.set(k, (g.self.get(k) ?? 0) + v);
    groups.set(part, g);
  };
  for (const f of files) {
    const profile = JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile;
    // CPU.<date>.<time>.<pid>.<threadId>.<seq>.cpuprofile: thread 0 is the main thread.
    const threadId = Number(f.split('.')[4]);
    if (threadId === 0) {
      const cuts = windows.length ? windows : [{ stage: 'whole run', startUs: -Infinity, endUs: Infinity }];
      let inside = 0;
      for (const w of cuts) {
        const { self, total } = selfTimes(profile, w.startUs, w.endUs);
        inside += total;
        if (total > 0) addTo(`main thread · ${w.stage}`, self, total);
      }
      if (windows.length && inside === 0) {
        const { self, total } = selfTimes(profile, -Infinity, Infinity);
        addTo('main thread · whole run (stage windows did not match the profile clock)', self, total);
      }
    } else {
      const { self, total } = selfTimes(profile, -Infinity, Infinity);
      addTo(`${workerRole(profile)} workers`, self, total);
    }
  }
  const out: ProfileSummary[] = [];
  for (const [part, g] of groups) {
    const top = [...g.self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, topN)
      .map(([key, us]) => {
        const [fn, where] = key.split('\t');
        return { fn, where, selfMs: Math.round(us / 100) / 10, pct: Math.round((us / g.total) * 1000) / 10 };
      });
    out.push({ run, part: g.threads > 1 ? `${part} (${g.threads} threads)` : part, sampledMs: Math.round(g.total / 1000), top });
  }
  return out;
}

/** Self time (µs) per function (name + place) of the samples inside [fromUs, toUs]. */
function selfTimes(p: CpuProfile, fromUs: number, toUs: number): { self: Map<string, number>; total: number } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let t = p.startTime;
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i];
    const dt = p.timeDeltas[i + 1] ?? 0;
    if (t < fromUs || t > toUs) continue;
    const n = byId.get(p.samples[i])!;
    if (n.callFrame.functionName === '(idle)') continue;
    const key = `${n.callFrame.functionName || '(anonymous)'}\t${n.callFrame.url ? `${basename(n.callFrame.url)}:${n.callFrame.lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  }
  return { self, total };
}

function workerRole(p: CpuProfile): string {
  const names = new Set(p.nodes.map((n) => n.callFrame.functionName));
  // A cold run's fused workers convert and append (src/cold/fused.ts).
  if (names.has('fuseSymbol')) return 'fused transform + aggregate';
  if (names.has('transformDayFile') || names.has('decodeDay')) return 'transform';
  if (names.has('resampleSymbol') || names.has('resampleTimeframe')) return 'resample';
  return 'other';
}

export function formatProfiles(summaries: readonly ProfileSummary[]): string {
  const lines: string[] = [];
  for (const s of summaries) {
    lines.push(`${s.run} — ${s.part}: ${s.sampledMs} ms sampled (idle excluded)`);
    for (const h of s.top) lines.push(`    ${h.pct.toFixed(1).padStart(5)}%  ${String(h.selfMs).padStart(8)} ms  ${h.fn}  ${h.where}`);
  }
  return lines.join('\n');
}
