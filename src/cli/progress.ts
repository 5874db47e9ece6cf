// Progress bars on stderr for long CLI work; silent when stderr is not a terminal, so pipes and CI logs
// stay clean.
import cliProgress from "cli-progress";

export interface Progress {
  update(value: number): void;
  stop(): void;
}

/** Bars drawing now. A bar left running keeps its redraw timer (and the process) alive and line wrapping
 *  off, and the error that cut its work short would be printed on its line: main stops them all first. */
const live = new Set<Progress>();

export function stopProgress(): void {
  for (const bar of [...live]) bar.stop();
}

export function progressBar(label: string, total: number, unit: string): Progress {
  if (!process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {eta_formatted} left`,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  const progress: Progress = {
    update: (v) => bar.update(Math.min(v, total)),
    stop: () => {
      live.delete(progress);
      bar.stop();
    },
  };
  live.add(progress);
  return progress;
}
