// A native list reset (POST /v1/campaigns/:id/lists/:listId/reset) makes contacts pending in the campaign.
// The engine completes a campaign with an UPDATE whose "no pending contact" check reads the contacts as of
// its statement's start (PostgreSQL, READ COMMITTED): a reset committed while that UPDATE waited for the
// campaign's row went unseen, the handler answered campaign_status "running", the UPDATE then committed
// "completed", and the reset contacts sat pending in a completed campaign the answer never told the client
// to recover (review40). The reset now takes the campaign's contacts lock, which completion takes first:
// it waits for the completion and answers "completed".
import assert from "node:assert/strict";
import { test } from "node:test";
import * as jaicp from "../compat/jaicp/helpers.ts";
import { voxFixture } from "../compat/voximplant/helpers.ts";
import {
  answeredOrWaitingForLock,
  completionWaitingForRow,
  type HeldCompletion,
} from "../helpers/completion-race.ts";
import { dialects } from "../helpers/stores.ts";

const pg = dialects().find((d) => d.name === "postgres");

test("a list reset while the engine completes the campaign is dialed, or answered completed [postgres]", {
  skip: !pg,
  timeout: 120_000,
}, async () => {
  const f = await voxFixture({ store: pg!.open });
  let completion: HeldCompletion | undefined;
  try {
    const { campaignId: id, token } = await jaicp.campaignToken(f, {
      settings: { calleeWindow: { from: "00:00", to: "24:00" } },
    });
    const first = await jaicp.addPhone(f, token, "phone=12125550301");
    assert.equal(first.statusCode, 200);
    const contactId = Number(first.body);
    const { list_id: listId } = await f.store.db
      .selectFrom("contacts")
      .select("list_id")
      .where("id", "=", contactId)
      .executeTakeFirstOrThrow();
    assert.equal((await f.call({ method: "POST", url: `/v1/campaigns/${id}/start` })).statusCode, 200);
    await f.run(1_000); // the number is on its call
    completion = await completionWaitingForRow(f, id);
    const before = await f.store.db
      .selectFrom("contacts")
      .select("status")
      .where("id", "=", contactId)
      .executeTakeFirstOrThrow();
    // The reset runs to its answer, or to the campaign's contacts lock the completion holds.
    const resetting = f.call({
      method: "POST",
      url: `/v1/campaigns/${id}/lists/${listId}/reset`,
      payload: { statuses: ["succeeded", "failed", "exhausted"] },
    });
    await answeredOrWaitingForLock(f.store.pool!, resetting);
    await completion.release();
    const reset = await resetting;
    assert.equal(reset.statusCode, 200, reset.body);
    await completion.running;
    await f.run(3_600_000);
    const row = await f.store.db
      .selectFrom("contacts")
      .select(["status", "attempts"])
      .where("id", "=", contactId)
      .executeTakeFirstOrThrow();
    const status = (await f.call({ method: "GET", url: `/v1/campaigns/${id}` })).json().status;
    const answered = reset.json();
    assert.ok(
      !(row.status === "pending" && status === "completed" && answered.campaign_status !== "completed"),
      `reset ${JSON.stringify(answered)} (contact was ${before.status}); now campaign ${status}, contact ${row.status} with ${row.attempts} attempts; dialed ${JSON.stringify(f.originated.map((r) => r.to))}`,
    );
  } finally {
    await completion?.release();
    await f.close();
  }
});
