// An agent's disposition is written after the ended call's outcome, so subscribers hear attempt.ended
// before attempt.disposed (desk.ts flushes the dispatcher first). When a dispatcher pass had already taken
// the ended attempt for its claim and not yet committed, flush() found nothing and returned at once: the
// disposition committed first. The dispatch store's writes are slowed here (as a busy PostgreSQL, or a pass
// busy with other campaigns) only to open that window every time.
import assert from "node:assert/strict";
import { test } from "node:test";
import { dialects } from "../helpers/stores.ts";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture } from "./helpers.ts";

for (const dialect of dialects()) {
  test(`attempt.disposed is written after attempt.ended even while a pass is writing the call [${dialect.name}]`, {
    timeout: 60_000,
  }, async () => {
    const f: ApiFixture = await apiFixture(() => dialect.open());
    const h = agentShorthands(() => f);
    try {
      const {
        campaignId,
        agentIds: [agentId],
      } = await agentCampaign(f, {
        name: "race",
        settings: { dialMethod: "progressive", wrapUpSec: 60 },
        contacts: [{ phone: "+14155550100" }],
        agents: ["Ann"],
      });
      const hook = await f.call({
        method: "POST",
        url: "/v1/webhooks",
        payload: {
          url: "https://example.com/h",
          campaignId,
          events: ["attempt.ended", "attempt.disposed"],
        },
      });
      assert.equal(hook.statusCode, 201, hook.body);
      await h.startDialing(campaignId, [agentId]);
      await h.advanceUntil(() => h.state(agentId) === "on_call", 500, 200);

      // The store's write of ended attempts takes a while (a slow database).
      // biome-ignore lint/suspicious/noExplicitAny: test reaches into the dispatcher's store
      const ds = (f.engine.dispatcher as any).o.dispatch;
      for (const m of ["finish", "claim"] as const) {
        const orig = ds[m].bind(ds);
        ds[m] = async (arg: { finished?: unknown[] } | unknown[]) => {
          const n = Array.isArray(arg)
            ? arg.length
            : ((arg as { finished?: unknown[] }).finished?.length ?? 0);
          if (n > 0) await new Promise((r) => setTimeout(r, 300));
          return orig(arg);
        };
      }
      assert.equal((await h.post(`/v1/agents/${agentId}/hangup`)).statusCode, 200);
      // The clock runs on (the pass that writes the ended call starts); the agent disposes meanwhile.
      const running = h.advanceUntil(() => h.state(agentId) === "wrap_up" && queuedEnded(f) === 0, 200, 50);
      while (h.state(agentId) !== "wrap_up") await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 50));
      const disp = await h.post(`/v1/agents/${agentId}/disposition`, { disposition: "sale" });
      await running;
      assert.equal(disp.statusCode, 200, disp.body);
      await new Promise((r) => setTimeout(r, 800));
      await f.engine.dispatcher.flush();
      const rows = await f.store.db
        .selectFrom("webhook_deliveries")
        .select(["id", "event_type", "order_key"])
        .orderBy("id")
        .execute();
      assert.deepEqual(
        rows.map((r) => r.event_type),
        ["attempt.ended", "attempt.disposed"],
      );
    } finally {
      await f.close();
    }
  });
}

/** The dispatcher's private queue of ended attempts not yet taken for a write. */
function queuedEnded(f: ApiFixture): number {
  return (f.engine.dispatcher as unknown as { ended: { waitingCount: number } }).ended.waitingCount;
}
