// Progress bars on stderr for long CLI work; silent when stderr is not a terminal, so pipes and CI logs
// stay clean.
import cliProgress from "cli-progress";

export interface Progress {
  update(value: number): void;
  stop(): void;
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
  return {
    update: (v) => bar.update(Math.min(v, total)),
    stop: () => bar.stop(),
  };
}
