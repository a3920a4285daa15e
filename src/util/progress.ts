// Per-stage progress: a live bar (done/total, rate, ETA) on a TTY via cli-progress, plain lines otherwise
// (one at the start, at most one every 2 s, one at the end) so logs and CI output stay readable.
import cliProgress from 'cli-progress';

export interface StageProgress {
  update(done: number, detail?: string): void;
  stop(): void;
}

export interface ProgressFactory {
  stage(name: string, total: number, unit: string): StageProgress;
}

export function createProgress(out: NodeJS.WriteStream = process.stderr, quiet = false): ProgressFactory {
  if (quiet) return { stage: () => ({ update() {}, stop() {} }) };
  return out.isTTY ? ttyProgress(out) : lineProgress(out);
}

function ttyProgress(out: NodeJS.WriteStream): ProgressFactory {
  return {
    stage(name, total, unit) {
      const bar = new cliProgress.SingleBar(
        {
          stream: out,
          format: `${name.padEnd(10)} [{bar}] {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted} {detail}`,
          hideCursor: true,
          clearOnComplete: false,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      const started = performance.now();
      bar.start(total, 0, { rate: '0', detail: '' });
      return {
        update(done, detail = '') {
          const secs = (performance.now() - started) / 1000;
          bar.update(done, { rate: secs > 0 ? (done / secs).toFixed(1) : '0', detail });
        },
        stop() {
          bar.stop();
        },
      };
    },
  };
}

function lineProgress(out: NodeJS.WriteStream): ProgressFactory {
  return {
    stage(name, total, unit) {
      const started = performance.now();
      let lastPrint = started;
      let last = 0;
      out.write(`${name}: ${total} ${unit} to do\n`);
      return {
        update(done, detail = '') {
          last = done;
          const now = performance.now();
          if (now - lastPrint < 2000 || done >= total) return;
          lastPrint = now;
          const rate = done / ((now - started) / 1000);
          const eta = rate > 0 ? Math.round((total - done) / rate) : 0;
          out.write(`${name}: ${done}/${total} ${unit}, ${rate.toFixed(1)}/s, ETA ${eta}s ${detail}\n`);
        },
        stop() {
          const secs = (performance.now() - started) / 1000;
          if (total > 0) out.write(`${name}: ${last}/${total} ${unit} in ${secs.toFixed(2)}s\n`);
        },
      };
    },
  };
}
