// The agents store on both dialects: account scoping of every id, paging, the user binding, queue
// membership (replace, upsert, remove) with penalties, the engine's reads, and what deletions cascade to.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import {
  addCampaignAgents,
  agentForUser,
  campaignAgents,
  campaignsOfAgent,
  createAgent,
  deleteAgent,
  getAgent,
  listAgents,
  removeCampaignAgent,
  setCampaignAgents,
  updateAgent,
} from "../../src/store/agents.ts";
import { deleteCampaignUnlessStatus } from "../../src/store/campaigns.ts";
import { insertUser } from "../../src/store/credentials.ts";
import type { Store } from "../../src/store/db.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";

const NOW = 1_000;

for (const dialect of dialects()) {
  describe(`agents store (${dialect.name})`, () => {
    let store: Store;
    let acme: number;
    let other: number;
    beforeEach(async () => {
      store = await dialect.open();
      acme = await createAccount(store, "acme");
      other = await createAccount(store, "other");
    });
    afterEach(() => store.close());

    const agent = (accountId: number, name: string, userId: number | null = null) =>
      createAgent(store.db, accountId, { name, userId, extension: null }, NOW);
    const user = (accountId: number, username: string) =>
      insertUser(store.db, { accountId, username, passwordHash: "x", role: "agent", now: NOW });

    test("rows by id are the account's only: another account's id reads, changes and deletes as missing", async () => {
      const a = await agent(acme, "Ann");
      assert.equal((await getAgent(store.db, acme, a.id))?.name, "Ann");
      assert.equal(await getAgent(store.db, other, a.id), undefined);
      assert.equal(await updateAgent(store.db, other, a.id, { name: "stolen" }, NOW + 1), undefined);
      assert.equal(await deleteAgent(store.db, other, a.id), false);

      const renamed = await updateAgent(store.db, acme, a.id, { extension: "101" }, NOW + 1);
      assert.equal(renamed?.name, "Ann", "fields not given are kept");
      assert.equal(renamed?.extension, "101");
      assert.equal(renamed?.updated_at, NOW + 1);
      assert.equal(await deleteAgent(store.db, acme, a.id), true);
      assert.equal(await getAgent(store.db, acme, a.id), undefined);
    });

    test("listAgents pages by id, one row over the page, the account's only", async () => {
      const ids = [];
      for (const name of ["a", "b", "c"]) ids.push((await agent(acme, name)).id);
      await agent(other, "x");
      assert.deepEqual(
        (await listAgents(store.db, acme, { limit: 2 })).map((r) => r.id),
        ids,
      );
      assert.deepEqual(
        (await listAgents(store.db, acme, { afterId: ids[1], limit: 2 })).map((r) => r.id),
        [ids[2]],
      );
    });

    test("one agent per user: agentForUser finds it, a second binding fails, deleting the user unbinds", async () => {
      const u = await user(acme, "desk");
      const a = await agent(acme, "desk", u.id);
      assert.equal((await agentForUser(store.db, acme, u.id))?.id, a.id);
      assert.equal(await agentForUser(store.db, other, u.id), undefined);
      await assert.rejects(agent(acme, "twin", u.id), /unique|duplicate/i);
      // Several agents without a user do not collide.
      await agent(acme, "free 1");
      await agent(acme, "free 2");

      await store.db.deleteFrom("users").where("id", "=", u.id).execute();
      assert.equal((await getAgent(store.db, acme, a.id))?.user_id, null);
    });

    test("setCampaignAgents replaces the whole queue; members that stay keep created_at", async () => {
      const { campaignId } = await createCampaign(store, acme);
      const [a, b, c] = [await agent(acme, "A"), await agent(acme, "B"), await agent(acme, "C")];
      const set = (members: { agentId: number; penalty: number }[], now: number) =>
        setCampaignAgents(store, acme, campaignId, members, now);

      assert.equal(
        await set(
          [
            { agentId: a.id, penalty: 3 },
            { agentId: b.id, penalty: 1 },
          ],
          NOW,
        ),
        null,
      );
      assert.deepEqual(await campaignAgents(store.db, campaignId), [
        { agentId: b.id, penalty: 1, name: "B", extension: null },
        { agentId: a.id, penalty: 3, name: "A", extension: null },
      ]);

      await set(
        [
          { agentId: a.id, penalty: 0 },
          { agentId: c.id, penalty: 0 },
        ],
        NOW + 5,
      );
      const rows = await store.db
        .selectFrom("campaign_agents")
        .selectAll()
        .where("campaign_id", "=", campaignId)
        .orderBy("agent_id")
        .execute();
      assert.deepEqual(
        rows.map((r) => [r.agent_id, r.penalty, r.created_at]),
        [
          [a.id, 0, NOW],
          [c.id, 0, NOW + 5],
        ],
      );
      // Equal penalties come by agent id.
      assert.deepEqual(
        (await campaignAgents(store.db, campaignId)).map((m) => m.agentId),
        [a.id, c.id],
      );
      await set([], NOW + 6);
      assert.deepEqual(await campaignAgents(store.db, campaignId), []);
    });

    test("membership changes refuse another account's campaign or agent and write nothing", async () => {
      const { campaignId } = await createCampaign(store, acme);
      const { campaignId: theirCampaign } = await createCampaign(store, other);
      const mine = await agent(acme, "mine");
      const theirs = await agent(other, "theirs");

      assert.deepEqual(await setCampaignAgents(store, acme, theirCampaign, [], NOW), {
        missing: "campaign",
        id: theirCampaign,
      });
      const mixed = [
        { agentId: mine.id, penalty: 0 },
        { agentId: theirs.id, penalty: 0 },
      ];
      const refusal = { missing: "agent", id: theirs.id, index: 1 };
      assert.deepEqual(await setCampaignAgents(store, acme, campaignId, mixed, NOW), refusal);
      assert.deepEqual(await addCampaignAgents(store.db, acme, campaignId, mixed, NOW), refusal);
      assert.deepEqual(await campaignAgents(store.db, campaignId), []);

      await addCampaignAgents(store.db, acme, campaignId, [mixed[0]], NOW);
      assert.equal(await removeCampaignAgent(store.db, other, campaignId, mine.id), false);
      assert.equal((await campaignAgents(store.db, campaignId)).length, 1);
      assert.equal(await removeCampaignAgent(store.db, acme, campaignId, mine.id), true);
      assert.equal(await removeCampaignAgent(store.db, acme, campaignId, mine.id), false);
    });

    test("addCampaignAgents adds new members and changes the penalty of present ones", async () => {
      const { campaignId: c1 } = await createCampaign(store, acme);
      const { campaignId: c2 } = await createCampaign(store, acme);
      const [a, b] = [await agent(acme, "A"), await agent(acme, "B")];
      await addCampaignAgents(store.db, acme, c1, [{ agentId: a.id, penalty: 4 }], NOW);
      await addCampaignAgents(
        store.db,
        acme,
        c1,
        [
          { agentId: a.id, penalty: 2 },
          { agentId: b.id, penalty: 7 },
        ],
        NOW + 1,
      );
      assert.deepEqual(
        (await campaignAgents(store.db, c1)).map((m) => [m.agentId, m.penalty]),
        [
          [a.id, 2],
          [b.id, 7],
        ],
      );
      await addCampaignAgents(store.db, acme, c2, [{ agentId: a.id, penalty: 9 }], NOW);
      assert.deepEqual(await campaignsOfAgent(store.db, a.id), [
        { campaignId: c1, penalty: 2 },
        { campaignId: c2, penalty: 9 },
      ]);
    });

    test("deleting an agent or a campaign empties the queues; attempts keep the agent's id", async () => {
      const ids = await createCampaign(store, acme);
      const { campaignId: c2 } = await createCampaign(store, acme);
      const [a, b] = [await agent(acme, "A"), await agent(acme, "B")];
      for (const c of [ids.campaignId, c2]) {
        await addCampaignAgents(
          store.db,
          acme,
          c,
          [
            { agentId: a.id, penalty: 0 },
            { agentId: b.id, penalty: 1 },
          ],
          NOW,
        );
      }
      const [contactId] = await addContacts(store, { accountId: acme, ...ids }, [
        { phones: ["+12125550100"] },
      ]);
      const attempt = await store.db
        .insertInto("attempts")
        .values({
          account_id: acme,
          campaign_id: ids.campaignId,
          contact_id: contactId,
          seq: 1,
          phone: "+12125550100",
          phone_index: 0,
          caller_id: null,
          started_at: NOW,
          answered_at: NOW + 5_000,
          ended_at: NOW + 65_000,
          outcome: "answered",
          cause: null,
          talk_sec: 60,
          success: 1,
          owner: "test",
          details: null,
          agent_id: a.id,
          disposition: "sale",
          disposition_at: NOW + 70_000,
          wait_ms: 400,
        })
        .returning("id")
        .executeTakeFirstOrThrow();

      await deleteAgent(store.db, acme, a.id);
      assert.deepEqual(await campaignsOfAgent(store.db, a.id), []);
      assert.deepEqual(
        (await campaignAgents(store.db, c2)).map((m) => m.agentId),
        [b.id],
      );
      const row = await store.db
        .selectFrom("attempts")
        .select(["agent_id", "disposition", "disposition_at", "wait_ms"])
        .where("id", "=", attempt.id)
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, {
        agent_id: a.id,
        disposition: "sale",
        disposition_at: NOW + 70_000,
        wait_ms: 400,
      });

      assert.equal(await deleteCampaignUnlessStatus(store, acme, c2, ["running"], NOW), true);
      assert.deepEqual(await campaignsOfAgent(store.db, b.id), [{ campaignId: ids.campaignId, penalty: 1 }]);
    });
  });
}
