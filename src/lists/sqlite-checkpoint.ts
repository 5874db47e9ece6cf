// After a large import the WAL holds every new page; the commit that follows would copy them into the
// database file on the main thread (SQLite's automatic checkpoint), stalling the dialer for about a
// second per million rows. Instead, automatic checkpoints are held off on the shared connection while a
// short-lived thread with its own connection runs a PASSIVE checkpoint, then restored.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type SQLite from "better-sqlite3";

const CHECKPOINT = `
const { workerData, parentPort } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
try {
  db.pragma("busy_timeout = 5000");
  parentPort.postMessage(db.pragma("wal_checkpoint(PASSIVE)"));
} finally {
  db.close();
}
`;

interface Held {
  count: number;
  /** The connection's own wal_autocheckpoint, restored when the last background checkpoint ends. */
  saved: number;
}
const held = new WeakMap<SQLite.Database, Held>();

/** Whether this connection's commits can leave the checkpoint to a background thread (a WAL file database). */
export function canCheckpointInBackground(db: SQLite.Database): boolean {
  return (
    !db.memory &&
    db.name !== "" &&
    String(db.pragma("journal_mode", { simple: true })).toLowerCase() === "wal"
  );
}

/** Call before the big COMMIT: the commit itself then skips the automatic checkpoint. */
export function holdAutoCheckpoint(db: SQLite.Database): void {
  const state = held.get(db);
  if (state) {
    state.count++;
    return;
  }
  held.set(db, { count: 1, saved: Number(db.pragma("wal_autocheckpoint", { simple: true })) });
  db.pragma("wal_autocheckpoint = 0");
}

/** Call after the COMMIT (or its failure): checkpoints on another thread, then restores the setting. */
export function checkpointInBackground(db: SQLite.Database): void {
  const release = () => {
    const state = held.get(db);
    if (!state || --state.count > 0) return;
    held.delete(db);
    if (db.open) db.pragma(`wal_autocheckpoint = ${state.saved}`);
  };
  let worker: Worker;
  try {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    worker = new Worker(CHECKPOINT, { eval: true, workerData: { driver, file: db.name } });
  } catch {
    release();
    return;
  }
  // Best effort: a failed background checkpoint only leaves the work to the next automatic one.
  worker.once("error", release);
  worker.once("exit", release);
  worker.unref();
}
