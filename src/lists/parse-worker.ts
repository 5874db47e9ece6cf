// The import's worker thread: CSV bytes in, validated rows out (protocol in parse-host.ts). For SQLite
// the rows go back as tuple batches packed into one string each (row-pack.ts), which the main thread
// writes to the scratch file while this thread parses the next ones; for
// PostgreSQL, as COPY text bytes handed over without copying. It holds at most a few chunks and
// MAX_UNACKED batches, so memory stays flat however large the upload: it stops taking chunks until the
// main thread has written what it was sent.
import { parentPort } from "node:worker_threads";
import { CsvContactParser } from "./csv-contacts.ts";
import { ImportError } from "./errors.ts";
import type { FromWorker, ToWorker } from "./parse-host.ts";
import { packRows } from "./row-pack.ts";
import { copyText } from "./stage.ts";

const MAX_UNACKED = 4;

if (!parentPort) throw new Error("parse-worker.ts runs as a worker thread");
const port = parentPort;
let queue: ToWorker[] = [];
let unacked = 0;
let parser: CsvContactParser | null = null;

function post(message: FromWorker, transfer?: ArrayBuffer[]): void {
  port.postMessage(message, transfer);
}

function pump(): void {
  while (parser && queue.length > 0 && unacked < MAX_UNACKED) {
    const message = queue.shift() as ToWorker;
    try {
      if (message.t === "chunk") {
        parser.write(Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength));
        post({ t: "consumed" });
      } else if (message.t === "end") {
        const summary = parser.end();
        parser = null;
        post({ t: "done", summary });
      }
    } catch (err) {
      parser = null;
      queue = [];
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
    if (message.output.kind === "rows") {
      parser = new CsvContactParser(message.options, (tuples) => {
        unacked++;
        post({ t: "rows", text: packRows(tuples) });
      });
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
