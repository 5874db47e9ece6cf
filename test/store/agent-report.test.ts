// The per-agent report on both dialects: calls connected to each agent in the period (agent_id), their
// talk time (less the people's wait before the agent joined), the people's mean wait, dispositions counted
// per agent who set them (disposed_by), and its name (null once deleted); calls outside the period, of
// another campaign, or never connected to an agent are left out (though a disposition an agent set on one
// still counts among its dispositions, and puts an agent who took no call in the report).
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { agentReport } from "../../src/store/agent-report.ts";
import { createAgent } from "../../src/store/agents.ts";
import type { Store } from "../../src/store/db.ts";
import { insertAttempt } from "../api/helpers.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";

for (const dialect of dialects()) {
  describe(`agentReport (${dialect.name})`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await dialect.open();
    });
    afterEach(() => store.close());

    test("calls, talk, wait and dispositions per agent, within the period only", async () => {
      const accountId = await createAccount(store, "acme");
      const ids = await createCampaign(store, accountId, {});
      const other = await createCampaign(store, accountId, {});
      const [c1, c2] = await addContacts(store, { accountId, ...ids }, [
        { phones: ["+12125550100"] },
        { phones: ["+12125550101"] },
      ]);
      const [o1] = await addContacts(store, { accountId, ...other }, [{ phones: ["+12125550102"] }]);
      // Agent 7 is on the books; agent 8 was deleted since (its attempts keep its id).
      const seven = (
        await createAgent(store.db, accountId, { name: "Ann", userId: null, extension: null }, 0)
      ).id;
      const eight = Number(seven) + 100;
      const call = async (
        campaignId: number,
        contactId: number,
        seq: number,
        startedAt: number,
        agent: { id: number; talkSec: number; waitMs: number | null; disposition?: string } | null,
        outcome = "human",
      ) => {
        const id = await insertAttempt(store, {
          accountId,
          campaignId,
          contactId,
          seq,
          startedAt,
          outcome,
          talkSec: agent?.talkSec ?? 0,
        });
        if (agent) {
          // As the engine writes them: agent_id and wait_ms on connecting, disposed_by with a disposition.
          await store.db
            .updateTable("attempts")
            .set({
              agent_id: agent.waitMs === null ? null : agent.id,
              wait_ms: agent.waitMs,
              disposition: agent.disposition ?? null,
              disposed_by: agent.disposition === undefined ? null : agent.id,
            })
            .where("id", "=", id)
            .execute();
        }
      };
      await call(ids.campaignId, c1, 1, 1_000, { id: seven, talkSec: 60, waitMs: 200, disposition: "sale" });
      await call(ids.campaignId, c2, 1, 2_000, {
        id: seven,
        talkSec: 30,
        waitMs: 500,
        disposition: "no sale",
      });
      await call(ids.campaignId, c1, 2, 3_000, { id: seven, talkSec: 10, waitMs: 300, disposition: "sale" });
      await call(ids.campaignId, c2, 2, 4_000, { id: eight, talkSec: 45, waitMs: 1000 });
      await call(ids.campaignId, c2, 3, 5_000, null); // a robot's call, or abandoned: no agent
      // A preview Ann dialed that nobody answered: never connected to her, but she set its disposition.
      await call(
        ids.campaignId,
        c2,
        4,
        6_000,
        { id: seven, talkSec: 0, waitMs: null, disposition: "no answer" },
        "no_answer",
      );
      // Bob took no call in the period, but set the disposition of a preview of his nobody answered.
      const bob = (await createAgent(store.db, accountId, { name: "Bob", userId: null, extension: null }, 0))
        .id;
      await call(
        ids.campaignId,
        c1,
        5,
        7_000,
        { id: bob, talkSec: 0, waitMs: null, disposition: "no answer" },
        "no_answer",
      );
      await call(ids.campaignId, c1, 3, 9_000, { id: eight, talkSec: 99, waitMs: 0 }); // after the period
      await call(other.campaignId, o1, 1, 2_500, { id: seven, talkSec: 20, waitMs: 100 }); // another campaign
      // Ann's call still on the line: connected, no talk time yet; counted once it ends.
      await call(ids.campaignId, c1, 4, 8_000, { id: seven, talkSec: 0, waitMs: 900 });
      await store.db
        .updateTable("attempts")
        .set({ ended_at: null, outcome: null })
        .where("seq", "=", 4)
        .where("contact_id", "=", c1)
        .execute();

      assert.deepEqual(await agentReport(store, ids.campaignId, 0, 9_000), [
        {
          agentId: seven,
          name: "Ann",
          calls: 3,
          // Her own time on the line: each call's talk less the person's wait for her (60 + 30 + 10 s less
          // 0.2 + 0.5 + 0.3 s).
          talkSec: 99,
          meanWaitMs: 333,
          dispositions: { sale: 2, "no sale": 1, "no answer": 1 },
        },
        {
          agentId: bob,
          name: "Bob",
          calls: 0,
          talkSec: 0,
          meanWaitMs: null,
          dispositions: { "no answer": 1 },
        },
        { agentId: eight, name: null, calls: 1, talkSec: 44, meanWaitMs: 1000, dispositions: {} },
      ]);
      assert.deepEqual(
        (await agentReport(store, ids.campaignId, 2_000, 3_000)).map((a) => [a.agentId, a.calls]),
        [[seven, 1]],
        "from inclusive, to exclusive",
      );
      assert.deepEqual(await agentReport(store, ids.campaignId, 10_000, 20_000), []);
    });
  });
}
