// Ctrl-C, or a supervisor's SIGTERM, while a CLI command streams a CSV into a database: left to the
// default, the process dies with the import's scratch file on disk (next to the database, or in the temp
// directory for an in-memory one) until some later start sweeps it. Instead the command stops the import
// through its source, so the import cleans up after itself, and exits as the shell expects.
import os from "node:os";

/** The signals a command is told of while its import runs; taken back with dispose(). */
export class Interruption {
  signal: NodeJS.Signals | null = null;
  private stopImport: (() => void) | null = null;
  private readonly onSignal = (signal: NodeJS.Signals) => {
    if (this.signal !== null) return;
    this.signal = signal;
    this.stopImport?.();
  };

  constructor() {
    process.on("SIGINT", this.onSignal);
    process.on("SIGTERM", this.onSignal);
  }

  /** `stop` runs on the first signal, or at once if one has come already. */
  whenSignalled(stop: () => void): void {
    this.stopImport = stop;
    if (this.signal !== null) stop();
  }

  /** The shell's convention for a process ended by a signal: 128 + its number (130 for SIGINT). */
  get exitCode(): number {
    return 128 + (this.signal === null ? 0 : os.constants.signals[this.signal]);
  }

  /** A signal from now on ends the process the default way again. */
  dispose(): void {
    process.off("SIGINT", this.onSignal);
    process.off("SIGTERM", this.onSignal);
  }
}
