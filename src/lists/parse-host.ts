// Runs the CSV parser either in a worker thread (large uploads: parsing, validating and staging rows off
// the main thread, which stays free for the dialer) or right here (small ones, where starting a thread
// costs more). Both give the same interface with backpressure: `write` resolves once there is room for
// more bytes, and staged data is handed over one piece at a time, the next only after the previous.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { CsvContactParser, type CsvOptions, type CsvSummary } from "./csv-contacts.ts";
import { ImportError, type ImportErrorData } from "./errors.ts";
import { unpackRows } from "./row-pack.ts";

/**
 * How the worker hands accepted rows back: as packed tuple batches (SQLite, row-pack.ts: the main thread
 * writes them to the scratch file while the worker parses on, so the two threads overlap), or as COPY
 * text (PostgreSQL).
 */
export type StageOutput = { kind: "rows" } | { kind: "copy" };

export type ToWorker =
  | { t: "start"; options: CsvOptions; output: StageOutput }
  | { t: "chunk"; data: Uint8Array }
  | { t: "end" }
  | { t: "ack" };
export type FromWorker =
  | { t: "ready" }
  | { t: "copy"; data: Uint8Array }
  | { t: "rows"; text: string }
  | { t: "consumed" }
  | { t: "done"; summary: CsvSummary }
  | { t: "fatal"; error: ImportErrorData | { message: string } };

/** Receives batches parsed on this thread. */
export type BatchHandler = (tuples: unknown[]) => void | Promise<void>;
/** Receives the COPY text a worker produced (PostgreSQL). */
export type CopyHandler = (data: Uint8Array) => Promise<void>;

export interface StageTarget {
  output: StageOutput;
  onBatch: BatchHandler;
  onCopy: CopyHandler;
}

export interface ParseHost {
  write(chunk: Buffer): Promise<void>;
  end(): Promise<CsvSummary>;
  /** Stops parsing after a failure elsewhere; safe to call more than once. */
  abort(): Promise<void>;
}

export function createParseHost(options: CsvOptions, target: StageTarget, useWorker: boolean): ParseHost {
  return useWorker ? new WorkerParseHost(options, target) : new InlineParseHost(options, target.onBatch);
}

class InlineParseHost implements ParseHost {
  private readonly parser: CsvContactParser;
  private stored: Promise<void> = Promise.resolve();

  constructor(options: CsvOptions, onBatch: BatchHandler) {
    this.parser = new CsvContactParser(options, (tuples) => {
      this.stored = this.stored.then(() => onBatch(tuples));
    });
  }

  async write(chunk: Buffer): Promise<void> {
    this.parser.write(chunk);
    await this.stored;
  }

  async end(): Promise<CsvSummary> {
    const summary = this.parser.end();
    await this.stored;
    return summary;
  }

  async abort(): Promise<void> {}
}

/** Chunks posted but not yet parsed: enough to keep the worker busy, little enough to stay small. */
const MAX_CHUNKS_IN_FLIGHT = 16;

// Worker threads do not inherit a TypeScript loader registered in-process (bin/outdial.mjs uses tsx's
// register()), and registering tsx in the thread costs ~50 MB and half a second. Run from sources, the
// worker is therefore bundled once into plain JavaScript with the esbuild that tsx itself uses;
// packages stay external and are required from here.
let workerCode: string | null = null;

function workerSource(): string {
  if (workerCode) return workerCode;
  const entry = new URL(
    import.meta.url.endsWith(".ts") ? "./parse-worker.ts" : "./parse-worker.js",
    import.meta.url,
  );
  if (!import.meta.url.endsWith(".ts")) {
    workerCode = `import(${JSON.stringify(entry.href)});`;
    return workerCode;
  }
  const esbuild = createRequire(import.meta.resolve("tsx/esm/api"))("esbuild") as typeof import("esbuild");
  const bundle = esbuild.buildSync({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    packages: "external",
    write: false,
    logLevel: "silent",
  });
  const base = JSON.stringify(fileURLToPath(import.meta.url));
  workerCode = `(function (require, module, exports) {\n${bundle.outputFiles[0].text}\n})(require("node:module").createRequire(${base}), { exports: {} }, {});`;
  return workerCode;
}

function spawnWorker(): Worker {
  // A young generation capped at 16 MB (the default grows larger) keeps the thread's memory small for
  // no measurable loss of speed: its garbage is the short-lived field strings of each batch.
  return new Worker(workerSource(), { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 16 } });
}

class WorkerParseHost implements ParseHost {
  private readonly worker: Worker;
  private failure: Error | null = null;
  private inFlight = 0;
  private room: (() => void) | null = null;
  private finished: ((summary: CsvSummary) => void) | null = null;
  private failed: ((err: Error) => void) | null = null;
  private stored: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(options: CsvOptions, target: StageTarget) {
    // A thread per import: it starts in about a tenth of a second, and ending it frees its heap
    // before the SQLite commit, the import's most memory-hungry step.
    this.worker = spawnWorker();
    this.worker.on("message", (message: FromWorker) => {
      if (message.t === "copy" || message.t === "rows") {
        this.stored = this.stored
          .then(async () => {
            if (this.failure) return;
            if (message.t === "copy") await target.onCopy(message.data);
            else await target.onBatch(unpackRows(message.text));
            this.worker.postMessage({ t: "ack" } satisfies ToWorker);
          })
          .catch((err) => this.fail(err));
      } else if (message.t === "consumed") {
        this.inFlight--;
        this.wake();
      } else if (message.t === "done") {
        const summary = message.summary;
        // Every buffer was posted before "done"; the summary is ready once they are written.
        this.stored.then(() => this.finished?.(summary)).catch((err) => this.fail(err));
      } else if (message.t === "fatal") {
        const e = message.error;
        this.fail("code" in e ? new ImportError(e) : new Error(`import worker: ${e.message}`));
      }
    });
    this.worker.on("error", (err) => this.fail(err));
    this.worker.on("exit", (code) => {
      if (!this.stopped) this.fail(new Error(`import worker exited with code ${code}`));
    });
    this.worker.postMessage({ t: "start", options, output: target.output } satisfies ToWorker);
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    // A copy the worker can own; the stream may reuse the chunk's memory.
    const data = new Uint8Array(chunk.byteLength);
    data.set(chunk);
    this.inFlight++;
    this.worker.postMessage({ t: "chunk", data } satisfies ToWorker, [data.buffer]);
    while (this.inFlight >= MAX_CHUNKS_IN_FLIGHT && !this.failure) {
      await new Promise<void>((resolve) => {
        this.room = resolve;
      });
    }
    if (this.failure) throw this.failure;
  }

  async end(): Promise<CsvSummary> {
    if (this.failure) throw this.failure;
    const done = new Promise<CsvSummary>((resolve, reject) => {
      this.finished = resolve;
      this.failed = reject;
    });
    this.worker.postMessage({ t: "end" } satisfies ToWorker);
    try {
      return await done;
    } finally {
      await this.abort();
    }
  }

  async abort(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.worker.terminate();
  }

  private fail(err: unknown): void {
    if (this.failure) return;
    this.failure = err instanceof Error ? err : new Error(String(err));
    this.wake();
    this.failed?.(this.failure);
    void this.abort();
  }

  private wake(): void {
    const room = this.room;
    this.room = null;
    room?.();
  }
}
