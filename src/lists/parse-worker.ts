// The import's worker thread: CSV bytes in, validated rows staged (protocol in parse-host.ts). Rows go
// to a SQLite scratch file this thread writes itself, or, for PostgreSQL, out as COPY text bytes handed
// over without copying; rows never cross threads as objects (cloning them cost more than parsing them).
// It holds at most a few chunks and MAX_UNACKED_COPIES buffers, so memory stays flat however large the
// upload: it stops taking chunks until the main thread has written its buffers.
import { parentPort } from "node:worker_threads";
import { CsvContactParser } from "./csv-contacts.ts";
import { ImportError } from "./errors.ts";
import type { FromWorker, ToWorker } from "./parse-host.ts";
import { copyText, ScratchStage } from "./stage.ts";

const MAX_UNACKED_COPIES = 4;

if (!parentPort) throw new Error("parse-worker.ts runs as a worker thread");
const port = parentPort;
let queue: ToWorker[] = [];
let unacked = 0;
let parser: CsvContactParser | null = null;
let scratch: ScratchStage | null = null;

function post(message: FromWorker, transfer?: ArrayBuffer[]): void {
  port.postMessage(message, transfer);
}

function pump(): void {
  while (parser && queue.length > 0 && unacked < MAX_UNACKED_COPIES) {
    const message = queue.shift() as ToWorker;
    try {
      if (message.t === "chunk") {
        parser.write(Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength));
        post({ t: "consumed" });
      } else if (message.t === "end") {
        const summary = parser.end();
        parser = null;
        scratch?.close();
        scratch = null;
        post({ t: "done", summary });
      }
    } catch (err) {
      parser = null;
      queue = [];
      scratch?.close();
      scratch = null;
      post({
        t: "fatal",
        error: err instanceof ImportError ? err.toData() : { message: String((err as Error)?.stack ?? err) },
      });
    }
  }
}

port.on("message", (message: ToWorker) => {
  if (message.t === "start") {
    queue = [];
    unacked = 0;
    const output = message.output;
    if (output.kind === "scratch") {
      const stage = new ScratchStage(output.file);
      scratch = stage;
      parser = new CsvContactParser(message.options, (tuples) => stage.write(tuples));
    } else {
      parser = new CsvContactParser(message.options, (tuples) => {
        unacked++;
        const data = copyText(tuples);
        post({ t: "copy", data }, [data.buffer as ArrayBuffer]);
      });
    }
  } else if (message.t === "ack") {
    unacked--;
  } else {
    queue.push(message);
  }
  pump();
});
