// An agent's preview dial at a low calls-per-second waits for its slot (up to 1/cps). It was marked dialed
// (attempts.reserved cleared) when the agent pressed dial, not when the call went out: SIGKILL during that
// wait recorded an attempt `lost` though nobody was called, and with one attempt allowed the contact was
// finished without a call. It is marked when its slot comes now, and a process that dies before gives the
// contact back untouched.
import assert from "node:assert/strict";
import { test } from "node:test";
import SQLite from "better-sqlite3";
import { dialLog, exited, waitFor } from "../helpers/child.ts";
import { campaignWithAgent, crashableOutdial } from "../helpers/hooked-child.ts";

test("SIGKILL while a previewed dial waits for its calls-per-second slot: the contact is not used up uncalled", {
  timeout: 120_000,
}, async () => {
  const outdial = await crashableOutdial("outdial-crash3-pq-", { OUTDIAL_NODE_ID: "the-same-node" });
  const { env } = outdial;
  try {
    const first = await outdial.start();
    const api = outdial.apiOf(first);
    const settings = {
      scenario: "all_human",
      dialMethod: "preview",
      callsPerSecond: 0.02, // one call every 50 s
      maxAttemptsPerContact: 1,
      wrapUpSec: 1,
      calleeWindow: { from: "00:00", to: "24:00" },
    };
    const phones = ["+12025550101", "+12025550102"];
    const { campaign, agent } = await campaignWithAgent(api, "slow preview", settings, phones);
    // First contact: dialed at once, talked, hung up.
    assert.ok((await api("POST", `/v1/agents/${agent.id}/preview/next`)).contact);
    await api("POST", `/v1/agents/${agent.id}/preview/dial`);
    await waitFor(
      "on call",
      async () => (await api("GET", `/v1/agents/${agent.id}`)).state === "on_call" || null,
    );
    await api("POST", `/v1/agents/${agent.id}/hangup`);
    await waitFor(
      "ready",
      async () => (await api("GET", `/v1/agents/${agent.id}`)).state === "ready" || null,
    );
    // Second contact: the agent presses dial; its slot is ~50 s after the first call.
    const second = await api("POST", `/v1/agents/${agent.id}/preview/next`);
    assert.ok(second.contact);
    await api("POST", `/v1/agents/${agent.id}/preview/dial`);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(dialLog(env.OUTDIAL_SIM_DIAL_LOG).length, 1, "the second call waits for its slot");
    first.child.kill("SIGKILL");
    await exited(first.child);

    await outdial.start();
    const read = () => {
      const db = new SQLite(env.OUTDIAL_DATABASE_URL, { readonly: true });
      try {
        return db
          .prepare(
            `SELECT c.id, c.phones, c.status, c.attempts, a.outcome FROM contacts c
               LEFT JOIN attempts a ON a.contact_id = c.id WHERE c.campaign_id = ? ORDER BY c.id`,
          )
          .all(campaign.id) as {
          id: number;
          phones: string;
          status: string;
          attempts: number;
          outcome: string | null;
        }[];
      } finally {
        db.close();
      }
    };
    const rows = await waitFor("the interrupted dial to be settled", () => {
      const r = read();
      return r.every((x) => x.status !== "in_progress") ? r : null;
    });
    assert.equal(dialLog(env.OUTDIAL_SIM_DIAL_LOG).length, 1, "only the first contact was ever called");
    const b = rows.find((r) => r.phones.includes("+12025550102"));
    assert.deepEqual(
      b && [b.status, b.attempts, b.outcome],
      ["pending", 0, null],
      `the contact nobody called is as before (it is ${JSON.stringify(b)})`,
    );
  } finally {
    outdial.stop();
  }
});
