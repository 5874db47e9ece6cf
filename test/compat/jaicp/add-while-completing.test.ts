// JAICP's addPhone/addPhones bring a completed campaign back (dial-again.ts): the numbers are written, then
// the campaign's status is read, and only a "completed" one is recovered. The engine completes a campaign
// with one UPDATE guarded by NOT EXISTS (a pending contact). On PostgreSQL (READ COMMITTED) that guard
// read the contacts as of the UPDATE statement's start: a number the face committed after the statement
// began was not seen, the face read "running" before the UPDATE committed, and the UPDATE then committed
// "completed" over a pending contact: answered 200, never dialed (jaicp12). Completion now takes the
// campaign's contacts lock before its UPDATE (not waiting for it), and the face's insert holds it to its
// commit: the add waits for the completion, then reads "completed" and recovers the campaign.
//
// The engine's completing UPDATE is held waiting for the campaign's row (completion-race.ts); the number is
// added then; the row is released.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  answeredOrWaitingForLock,
  completionWaitingForRow,
  type HeldCompletion,
} from "../../helpers/completion-race.ts";
import { dialects } from "../../helpers/stores.ts";
import { voxFixture } from "../voximplant/helpers.ts";
import * as jaicp from "./helpers.ts";

const pg = dialects().find((d) => d.name === "postgres");

test("a number added while the engine completes the campaign is dialed [postgres]", {
  skip: !pg,
  timeout: 120_000,
}, async () => {
  const f = await voxFixture({ store: pg!.open });
  let completion: HeldCompletion | undefined;
  try {
    const { campaignId: id, token } = await jaicp.campaignToken(f, {
      settings: { calleeWindow: { from: "00:00", to: "24:00" } },
    });
    assert.equal((await jaicp.addPhone(f, token, "phone=12125550301")).statusCode, 200);
    assert.equal((await f.call({ method: "POST", url: `/v1/campaigns/${id}/start` })).statusCode, 200);
    await f.run(1_000); // the first number is on its call
    // The call ends; the engine finds nothing pending and sends its completing UPDATE, which waits for the row.
    completion = await completionWaitingForRow(f, id);
    // The add runs to its answer, or to the campaign's contacts lock the completion holds.
    const adding = jaicp.addPhone(f, token, "phone=12125550302");
    await answeredOrWaitingForLock(f.store.pool!, adding);
    await completion.release();
    const added = await adding;
    assert.equal(added.statusCode, 200, added.body);
    await completion.running;
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
    await completion?.release();
    await f.close();
  }
});
