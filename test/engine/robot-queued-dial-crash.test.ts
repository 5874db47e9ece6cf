// A robot campaign at a low calls-per-second claims each dial up to a second ahead of its slot. A process
// killed in that wait, the claim committed and nothing dialed, had its attempt swept `lost` and counted:
// with one attempt allowed, the contact ended without ever being called. Such a dial is now reserved as a
// preview is (attempts.reserved) and marked dialed when its slot comes, so the restart gives the contact
// back untouched, and it is called once.
import assert from "node:assert/strict";
import { test } from "node:test";
import SQLite from "better-sqlite3";
import { dialLog, exited, waitFor } from "../helpers/child.ts";
import { crashableOutdial } from "../helpers/hooked-child.ts";

test("SIGKILL while a robot dial waits for its calls-per-second slot: the contact is called once, not used up", {
  timeout: 120_000,
}, async () => {
  const outdial = await crashableOutdial("outdial-crash-rq-", { OUTDIAL_NODE_ID: "the-same-node" });
  const { env } = outdial;
  try {
    // The hooked start stops for good once a dial is claimed ahead of its slot.
    const first = await outdial.start("robotDialQueued");
    const api = outdial.apiOf(first);
    const campaign = await api("POST", "/v1/campaigns", {
      name: "slow robot",
      settings: {
        scenario: "all_human",
        callsPerSecond: 0.5, // one call every 2 s: the second is claimed ahead of its slot
        maxAttemptsPerContact: 1,
        successMinTalkSec: 0,
        calleeWindow: { from: "00:00", to: "24:00" },
      },
    });
    const list = await api("POST", `/v1/campaigns/${campaign.id}/lists`, { name: "people" });
    const phones = ["+12025550101", "+12025550102"];
    await api("POST", `/v1/campaigns/${campaign.id}/lists/${list.id}/contacts`, {
      contacts: phones.map((phone) => ({ phone })),
    });
    await api("POST", `/v1/campaigns/${campaign.id}/start`);
    await waitFor(
      "a dial claimed ahead of its slot",
      () => /HOOK reached robotDialQueued/.test(first.output()) || null,
    );
    assert.equal(dialLog(env.OUTDIAL_SIM_DIAL_LOG).length, 1, "only the first call went out");
    first.child.kill("SIGKILL");
    await exited(first.child);

    await outdial.start();
    await waitFor(
      "the campaign to complete",
      async () => (await api("GET", `/v1/campaigns/${campaign.id}`)).status === "completed" || null,
      60_000,
    );
    const db = new SQLite(env.OUTDIAL_DATABASE_URL, { readonly: true });
    const rows = db
      .prepare(
        `SELECT c.phones, c.status, c.attempts, a.outcome FROM contacts c
           JOIN attempts a ON a.contact_id = c.id WHERE c.campaign_id = ? ORDER BY c.id, a.id`,
      )
      .all(campaign.id) as { phones: string; status: string; attempts: number; outcome: string }[];
    db.close();
    assert.deepEqual(
      rows.map((r) => [JSON.parse(r.phones)[0], r.attempts, r.outcome]),
      [
        [phones[0], 1, "lost"], // dialed, and talking when the process was killed
        [phones[1], 1, "human"], // claimed, not dialed, when it was killed: called after the restart
      ],
      "each contact has one attempt, and the one nobody had called is not used up",
    );
    assert.equal(dialLog(env.OUTDIAL_SIM_DIAL_LOG).length, 2, "each contact was called once");
  } finally {
    outdial.stop();
  }
});
