// A personal callback that falls due just before the callee's calling hours close, in a campaign whose
// calls-per-second slot comes later than that close (one call every 10 minutes): the dial would go out
// after hours, so it is never dialed (dialReserved refuses, window_closed). The claim judged the hours at
// the moment it ran, not at the slot, and the agent, given back and ready again, claimed it again at
// once: reserved and given back in a loop, a "callback" card each time, until the clock reached the close.
// Judged at the slot before the agent is reserved, it is claimed once, not shown to the agent, and looked
// at again at the slot, when the claim's own rules defer it to the next opening.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AgentEvent } from "../../src/engine/agents/board.ts";
import { dialects } from "../helpers/stores.ts";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture } from "./helpers.ts";

for (const dc of dialects())
  describe(`a personal callback due as the callee's hours close (${dc.name})`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(() => dc.open());
    });
    after(() => f.close());
    const { post, state, advanceUntil } = agentShorthands(() => f);

    test("is not offered to its agent again and again when its dial slot comes after the close", async () => {
      // The fixture's clock starts Monday 12:00 UTC; the callee's hours end at 12:05 there.
      const {
        campaignId,
        agentIds: [ann],
      } = await agentCampaign(f, {
        name: "closing",
        settings: {
          dialMethod: "progressive",
          maxAttemptsPerContact: 1,
          wrapUpSec: 600,
          callsPerSecond: 1 / 600,
          calleeWindow: { from: "08:00", to: "12:05" },
          scenario: JSON.stringify({
            outcomes: { human: 1 },
            talkSec: { kind: "fixed", value: 3600 },
            ringSec: { kind: "fixed", value: 3 },
          }),
        },
        contacts: [{ phone: "+14155553801", timeZone: "Etc/UTC" }],
        agents: ["Ann closing"],
      });
      assert.equal((await post(`/v1/agents/${ann}/login`, { campaignId })).statusCode, 200);
      assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
      await advanceUntil(() => state(ann) === "on_call", 100, 100);
      assert.equal((await post(`/v1/agents/${ann}/hangup`)).statusCode, 200);
      await advanceUntil(() => state(ann) === "wrap_up", 100, 50);
      const ok = await post(`/v1/agents/${ann}/disposition`, {
        disposition: "call back",
        callbackAt: new Date(f.clock.now() + 60_000).toISOString(),
        callbackPersonal: true,
      });
      assert.equal(ok.statusCode, 200, ok.body);
      const cards: AgentEvent[] = [];
      const stop = f.engine.agents.watch(ann, (e) => {
        if (e.type !== "callback") return;
        cards.push(e);
        // Reserved and given back in a loop that never lets the clock move: logging Ann out ends it.
        if (cards.length === 3) void f.engine.agents.logout(f.accountId, ann);
      });
      try {
        assert.equal((await post(`/v1/agents/${ann}/ready`)).statusCode, 200);
        // Due at about 12:01; the next slot is at about 12:10.
        await f.clock.run({ until: f.clock.now() + 90_000 });
        await new Promise((r) => setTimeout(r, 500));
        assert.equal(cards.length, 0, `offered ${cards.length} times, never dialable`);
        assert.equal(state(ann), "ready", "given back undialed, Ann takes other calls");
        const contact = await f.store.db
          .selectFrom("contacts")
          .select(["status", "callback_agent_id"])
          .executeTakeFirstOrThrow();
        assert.equal(contact.status, "pending", "still to be called back");
        assert.equal(Number(contact.callback_agent_id), ann, "by Ann");
        // Looked at again at the slot, past the close: the claim's rules hold it, for Ann, until the next
        // opening (Tuesday 08:00), still unseen.
        const opening = Date.UTC(2026, 0, 6, 8, 0);
        const deferred = async () =>
          Number(
            (await f.store.db.selectFrom("contacts").select("next_attempt_at").executeTakeFirstOrThrow())
              .next_attempt_at,
          );
        for (let i = 0; i < 30 && (await deferred()) < opening; i++) {
          await f.clock.run({ until: f.clock.now() + 60_000 });
          await new Promise((r) => setTimeout(r, 20));
        }
        assert.equal(await deferred(), opening);
        assert.equal(cards.length, 0);
      } finally {
        stop();
      }
    });
  });
