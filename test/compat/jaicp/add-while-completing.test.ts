// JAICP's addPhone/addPhones bring a completed campaign back (dial-again.ts): the numbers are written, then
// the campaign's status is read, and only a "completed" one is recovered. The engine completes a campaign
// with one UPDATE guarded by NOT EXISTS (a pending contact). On PostgreSQL (READ COMMITTED) that guard
// read the contacts as of the UPDATE statement's start: a number the face committed after the statement
// began was not seen, the face read "running" before the UPDATE committed, and the UPDATE then committed
// "completed" over a pending contact: answered 200, never dialed (jaicp12). Completion now takes the
// campaign's contacts lock before its UPDATE (not waiting for it), and the face's insert holds it to its
// commit: the add waits for the completion, then reads "completed" and recovers the campaign.
//
// A second connection holds the campaign row (FOR NO KEY UPDATE, which the face's inserts, taking FOR KEY
// SHARE through their foreign keys, do not wait for) while the engine's completing UPDATE starts and waits
// for it; the number is added then; the row is released.
import assert from "node:assert/strict";
import { test } from "node:test";
import { dialects } from "../../helpers/stores.ts";
import { voxFixture } from "../voximplant/helpers.ts";
import * as jaicp from "./helpers.ts";

const pg = dialects().find((d) => d.name === "postgres");

test("a number added while the engine completes the campaign is dialed [postgres]", {
  skip: !pg,
  timeout: 120_000,
}, async () => {
  const f = await voxFixture({ store: pg!.open });
  const pool = f.store.pool!;
  const holder = await pool.connect();
  try {
    const { campaignId: id, token } = await jaicp.campaignToken(f, {
      settings: { calleeWindow: { from: "00:00", to: "24:00" } },
    });
    assert.equal((await jaicp.addPhone(f, token, "phone=12125550301")).statusCode, 200);
    assert.equal((await f.call({ method: "POST", url: `/v1/campaigns/${id}/start` })).statusCode, 200);
    await f.run(1_000); // the first number is on its call
    await holder.query("BEGIN");
    await holder.query("SELECT id FROM campaigns WHERE id = $1 FOR NO KEY UPDATE", [id]);
    // The call ends; the engine finds nothing pending and sends its completing UPDATE, which waits for the row.
    const running = f.run(600_000);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { rows } = await pool.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE wait_event_type = 'Lock' AND query ILIKE 'update "campaigns"%not exists%'`,
      );
      if (rows[0].n > 0) break;
      if (Date.now() > deadline) throw new Error("the engine never tried to complete the campaign");
      await new Promise((r) => setTimeout(r, 20));
    }
    // The add runs to its answer, or to the campaign's contacts lock the completion holds.
    let answered = false;
    const adding = jaicp.addPhone(f, token, "phone=12125550302").finally(() => {
      answered = true;
    });
    for (const until = Date.now() + 10_000; !answered && Date.now() < until; ) {
      const { rows } = await pool.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'",
      );
      if (rows[0].n > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await holder.query("COMMIT");
    const added = await adding;
    assert.equal(added.statusCode, 200, added.body);
    await running;
    await f.run(3_600_000);
    const row = await f.store.db
      .selectFrom("contacts")
      .select(["status", "attempts"])
      .where("id", "=", Number(added.body))
      .executeTakeFirstOrThrow();
    const status = (await f.call({ method: "GET", url: `/v1/campaigns/${id}` })).json().status;
    assert.deepEqual(
      f.originated.map((r) => r.to),
      ["+12125550301", "+12125550302"],
      `the number answered 200 (id ${added.body}) was never dialed: campaign ${status}, contact ${row.status} with ${row.attempts} attempts`,
    );
  } finally {
    holder.release();
    await f.close();
  }
});
