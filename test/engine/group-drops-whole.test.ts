// A campaign in an abandonment group counts its group's other campaigns' drops in its tracker, and the
// pacing view (GET /v1/campaigns/{id}/pacing `abandonment.drops`, an integer) shows them. They came as the
// record's `abandoned` less its estimated AMD false positives, a floating-point subtraction: 1 abandoned
// person beside 8 machine verdicts at the default 0.02 gave 0.9999999999999999 drops, which the view's
// schema truncated to 0 (audit pacing13). Drops are people: the count comes back whole.
import assert from "node:assert/strict";
import { test } from "node:test";
import { insertAttempt } from "../api/helpers.ts";
import { queueAgents } from "../helpers/agents.ts";
import { harness } from "../helpers/engine-harness.ts";

const START = Date.UTC(2026, 0, 5, 14, 0, 0);
const predictive = { dialMethod: "predictive" as const, wrapUpSec: 5, abandonGroup: "g" };
const phones = (n: number, from: number) =>
  Array.from({ length: n }, (_, i) => ({ phones: [`+1202${5550000 + from + i}`] }));

test("a group member's tracker counts the group's drops whole", async () => {
  const h = await harness({ start: START, seed: 3, scenario: "default" });
  try {
    const b = await h.campaign(predictive, phones(60, 0), "B");
    const [agent] = await queueAgents(h, b, 1);
    const contacts = await h.contacts(b);
    // B's record: 1 abandoned person, 8 AMD machine verdicts (0.16 estimated false positives), 50 connected.
    const rows = [
      { outcome: "abandoned", details: null, agentId: null },
      ...Array.from({ length: 8 }, () => ({
        outcome: "machine",
        details: JSON.stringify({ amd: true }),
        agentId: null,
      })),
      ...Array.from({ length: 50 }, () => ({ outcome: "human", details: null, agentId: agent })),
    ];
    for (const [i, r] of rows.entries()) {
      await insertAttempt(h.store, {
        accountId: h.accountId,
        campaignId: b,
        contactId: contacts[i].id,
        seq: 1,
        startedAt: START - 3600_000 + i * 1000,
        answeredAt: START - 3600_000 + i * 1000 + 5000,
        ...r,
      });
    }
    const a = await h.campaign(predictive, phones(10, 100), "A");
    await h.engine.start(h.accountId, a);
    await h.clock.run({ until: START + 1000, stop: () => false });

    const { abandonment } = await h.engine.pacing(h.accountId, a);
    assert.ok(abandonment, "A is tracked");
    assert.equal(abandonment.machineVerdicts, 8, "B's machine verdicts are counted in");
    assert.equal(abandonment.drops, 1, "B's one abandoned person");
    assert.ok(Math.abs(abandonment.falsePositives - 0.16) < 1e-9, "the estimate stays beside them");
  } finally {
    await h.close();
  }
});
