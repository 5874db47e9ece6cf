// The engine completing a campaign while a client's write runs, on PostgreSQL: a second connection holds
// the campaign's row (FOR NO KEY UPDATE, which a write taking FOR KEY SHARE through its foreign keys does
// not wait for) so that the engine's completing UPDATE starts and waits for it; the test then sends its
// write and lets the row go. The set-up of the tests of a write racing completion.
import type { Pool } from "pg";
import type { VoxFixture } from "../compat/voximplant/helpers.ts";

export interface HeldCompletion {
  /** The engine's run, which ends after the completing UPDATE has committed (once `release` is called). */
  running: Promise<void>;
  /** Lets the campaign's row go: the completing UPDATE proceeds. */
  release(): Promise<void>;
}

/** Runs the engine until its completing UPDATE of campaign `id` waits for the row this holds. */
export async function completionWaitingForRow(f: VoxFixture, id: number): Promise<HeldCompletion> {
  const pool = f.store.pool as Pool;
  const holder = await pool.connect();
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    try {
      await holder.query("COMMIT");
    } finally {
      holder.release();
    }
  };
  try {
    await holder.query("BEGIN");
    await holder.query("SELECT id FROM campaigns WHERE id = $1 FOR NO KEY UPDATE", [id]);
  } catch (err) {
    await release();
    throw err;
  }
  const running = f.run(600_000);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE wait_event_type = 'Lock' AND query ILIKE 'update "campaigns"%not exists%'`,
    );
    if (rows[0].n > 0) return { running, release };
    if (Date.now() > deadline) {
      await release();
      throw new Error("the engine never tried to complete the campaign");
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until `request` has answered or waits for an advisory lock (the campaign's contacts lock, which
 *  the completion holds), for up to 10 s. */
export async function answeredOrWaitingForLock(pool: Pool, request: Promise<unknown>): Promise<void> {
  let answered = false;
  void request
    .finally(() => {
      answered = true;
    })
    .catch(() => {});
  for (const until = Date.now() + 10_000; !answered && Date.now() < until; ) {
    const { rows } = await pool.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'",
    );
    if (rows[0].n > 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}
