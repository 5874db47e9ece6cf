// Named agent queues on both dialects: CRUD scoped to the account, members replaced whole with penalties,
// what deleting a queue or an agent cascades to, and who serves a campaign that names a queue (its own
// agents and the queue's, the lower penalty kept, never another account's queue).
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import {
  addCampaignAgents,
  campaignAgents,
  campaignsOfAgent,
  createAgent,
  deleteAgent,
} from "../../src/store/agents.ts";
import type { Store } from "../../src/store/db.ts";
import {
  createQueue,
  deleteQueue,
  findQueue,
  listQueues,
  queueMembers,
  renameQueue,
  setQueueMembers,
} from "../../src/store/queues.ts";
import { createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";

const NOW = 1_000;

for (const dialect of dialects()) {
  describe(`named queues store (${dialect.name})`, () => {
    let store: Store;
    let acme: number;
    let other: number;
    beforeEach(async () => {
      store = await dialect.open();
      acme = await createAccount(store, "acme");
      other = await createAccount(store, "other");
    });
    afterEach(() => store.close());

    /** Replaces acme's queue `q` with [agent id, penalty] pairs. */
    const setMembers = (q: number, pairs: [number, number][], now = NOW) =>
      setQueueMembers(
        store,
        acme,
        q,
        pairs.map(([agentId, penalty]) => ({ agentId, penalty })),
        now,
      );
    const agent = async (accountId: number, name: string) =>
      (await createAgent(store.db, accountId, { name, userId: null, extension: null }, NOW)).id;

    test("create, find, page, rename and delete; another account's id is missing for every one", async () => {
      const sales = await createQueue(store.db, acme, "sales", NOW);
      const support = await createQueue(store.db, acme, "support", NOW);
      const theirs = await createQueue(store.db, other, "theirs", NOW);
      assert.deepEqual(await findQueue(store.db, acme, sales.id), {
        id: sales.id,
        account_id: acme,
        name: "sales",
        created_at: NOW,
        updated_at: NOW,
      });
      assert.equal(await findQueue(store.db, acme, theirs.id), undefined);
      assert.deepEqual(
        (await listQueues(store.db, acme, { limit: 1 })).map((q) => q.id),
        [sales.id, support.id],
        "one row over the page tells that another follows",
      );
      assert.deepEqual(
        (await listQueues(store.db, acme, { afterId: sales.id, limit: 5 })).map((q) => q.id),
        [support.id],
      );

      assert.equal(await renameQueue(store.db, other, sales.id, "stolen", NOW + 1), undefined);
      const renamed = await renameQueue(store.db, acme, sales.id, "inside sales", NOW + 1);
      assert.equal(renamed?.name, "inside sales");
      assert.equal(renamed?.updated_at, NOW + 1);

      assert.equal(await deleteQueue(store.db, other, sales.id), false);
      assert.equal(await deleteQueue(store.db, acme, sales.id), true);
      assert.equal(await findQueue(store.db, acme, sales.id), undefined);
      assert.equal(await deleteQueue(store.db, acme, sales.id), false);
    });

    test("setQueueMembers replaces the members, lowest penalty first; refusals write nothing", async () => {
      const q = (await createQueue(store.db, acme, "sales", NOW)).id;
      const theirQueue = (await createQueue(store.db, other, "theirs", NOW)).id;
      const [a, b, c] = [await agent(acme, "A"), await agent(acme, "B"), await agent(acme, "C")];
      const stranger = await agent(other, "X");

      assert.equal(
        await setMembers(q, [
          [a, 3],
          [b, 1],
        ]),
        null,
      );
      assert.deepEqual(await queueMembers(store.db, q), [
        { agentId: b, penalty: 1, name: "B", extension: null },
        { agentId: a, penalty: 3, name: "A", extension: null },
      ]);

      await setMembers(
        q,
        [
          [a, 0],
          [c, 0],
        ],
        NOW + 5,
      );
      const rows = await store.db
        .selectFrom("agent_queue_members")
        .select(["agent_id", "penalty", "created_at"])
        .where("queue_id", "=", q)
        .orderBy("agent_id")
        .execute();
      assert.deepEqual(
        rows.map((r) => [r.agent_id, r.penalty, r.created_at]),
        [
          [a, 0, NOW],
          [c, 0, NOW + 5],
        ],
        "a member that stays keeps created_at",
      );

      assert.deepEqual(await setQueueMembers(store, acme, theirQueue, [], NOW), {
        missing: "queue",
        id: theirQueue,
      });
      assert.deepEqual(
        await setMembers(q, [
          [b, 0],
          [stranger, 0],
        ]),
        { missing: "agent", id: stranger, index: 1 },
      );
      assert.deepEqual(
        (await queueMembers(store.db, q)).map((m) => m.agentId),
        [a, c],
        "unchanged after the refusal",
      );
      await setMembers(q, [], NOW + 6);
      assert.deepEqual(await queueMembers(store.db, q), []);
    });

    test("deleting an agent leaves its queues; deleting a queue takes its members with it", async () => {
      const q1 = (await createQueue(store.db, acme, "one", NOW)).id;
      const q2 = (await createQueue(store.db, acme, "two", NOW)).id;
      const [a, b] = [await agent(acme, "A"), await agent(acme, "B")];
      for (const q of [q1, q2]) {
        await setMembers(q, [
          [a, 0],
          [b, 1],
        ]);
      }
      await deleteAgent(store.db, acme, a);
      assert.deepEqual(
        (await queueMembers(store.db, q1)).map((m) => m.agentId),
        [b],
      );
      await deleteQueue(store.db, acme, q2);
      const left = await store.db
        .selectFrom("agent_queue_members")
        .select(["queue_id", "agent_id"])
        .execute();
      assert.deepEqual(
        left.map((r) => [r.queue_id, r.agent_id]),
        [[q1, b]],
      );
    });

    test("a campaign is served by its own agents and its queue's; an agent in both keeps the lower penalty", async () => {
      const q = (await createQueue(store.db, acme, "sales", NOW)).id;
      const [own, both, queued] = [
        await agent(acme, "own"),
        await agent(acme, "both"),
        await agent(acme, "queued"),
      ];
      const { campaignId } = await createCampaign(store, acme, { dialMethod: "progressive", queueId: q });
      await addCampaignAgents(
        store.db,
        acme,
        campaignId,
        [
          { agentId: own, penalty: 2 },
          { agentId: both, penalty: 8 },
        ],
        NOW,
      );
      await setMembers(q, [
        [both, 1],
        [queued, 5],
      ]);
      assert.deepEqual(
        (await campaignAgents(store.db, campaignId)).map((m) => [m.name, m.penalty]),
        [
          ["both", 1],
          ["own", 2],
          ["queued", 5],
        ],
      );

      const { campaignId: noQueue } = await createCampaign(store, acme, { dialMethod: "progressive" });
      assert.deepEqual(await campaignAgents(store.db, noQueue), [], "no queueId: no queue members");
      // From the agent's side: the campaigns it serves, directly or through the queue.
      assert.deepEqual(await campaignsOfAgent(store.db, both), [{ campaignId, penalty: 1 }]);
      assert.deepEqual(await campaignsOfAgent(store.db, queued), [{ campaignId, penalty: 5 }]);
      assert.deepEqual(await campaignsOfAgent(store.db, own), [{ campaignId, penalty: 2 }]);

      await deleteQueue(store.db, acme, q);
      assert.deepEqual(
        (await campaignAgents(store.db, campaignId)).map((m) => [m.name, m.penalty]),
        [
          ["own", 2],
          ["both", 8],
        ],
        "a deleted queue leaves the campaign its own agents",
      );
    });

    test("a campaign naming another account's queue is served by none of its members", async () => {
      const theirs = (await createQueue(store.db, other, "theirs", NOW)).id;
      const stranger = await agent(other, "X");
      await setQueueMembers(store, other, theirs, [{ agentId: stranger, penalty: 0 }], NOW);
      // Written past the API's check, as a forged settings row would be.
      const { campaignId } = await createCampaign(store, acme, {
        dialMethod: "progressive",
        queueId: theirs,
      });
      assert.deepEqual(await campaignAgents(store.db, campaignId), []);
    });
  });
}
