// Robot scenarios: a campaign whose bot script id names one runs it when a person answers. On the sim driver
// the conversation lasts as the scenario says, ends with one of its results, and the script is said with
// the contact's data filled in; the result is stored on the attempt.
import assert from "node:assert/strict";
import { test } from "node:test";
import { upsertScenario } from "../../src/store/scenarios.ts";
import { apiFixture } from "../api/helpers.ts";
import { harness } from "../helpers/engine-harness.ts";

test("the scenario a campaign's bot script names runs on answer, with the contact's data", async () => {
  const h = await harness({ scenario: "all_human", seed: 3 });
  try {
    await upsertScenario(
      h.store.db,
      h.accountId,
      {
        key: "228cc4fa-92f2-4709-94e3-7344a96a5903",
        name: "survey",
        say: "Hello {{name}}, this is {{company}}.{{missing}}",
        results: [
          { name: "agreed", weight: 3 },
          { name: "declined", weight: 1 },
        ],
        talkSec: { kind: "uniform", min: 20, max: 40 },
      },
      h.clock.now(),
    );
    const contacts = Array.from({ length: 60 }, (_, i) => ({
      phones: [`+1202555${5000 + i}`],
      custom: { name: `Ann ${i}`, company: "Acme" },
    }));
    const id = await h.campaign(
      {
        maxConcurrent: 10,
        bot: { scriptId: "228cc4fa-92f2-4709-94e3-7344a96a5903", onTransfer: "end", transferTo: null },
      },
      contacts,
    );
    const plain = await h.campaign({ maxConcurrent: 10 }, contacts.slice(0, 5), "no bot");
    await h.engine.start(h.accountId, id);
    await h.engine.start(h.accountId, plain);
    await h.runToEnd();

    const attempts = await h.attempts(id);
    const rows = await h.contacts(id);
    assert.equal(attempts.length, 60);
    const counts: Record<string, number> = {};
    for (const a of attempts) {
      const result = JSON.parse(a.details!).result as { scenario: string; result: string; said: string };
      const contact = rows.find((c) => c.id === a.contact_id)!;
      const name = JSON.parse(contact.custom).name;
      assert.equal(result.scenario, "228cc4fa-92f2-4709-94e3-7344a96a5903");
      assert.equal(result.said, `Hello ${name}, this is Acme.`);
      assert.ok(["agreed", "declined"].includes(result.result));
      counts[result.result] = (counts[result.result] ?? 0) + 1;
      assert.ok(a.talk_sec! >= 20 && a.talk_sec! <= 40, `talk ${a.talk_sec}`);
    }
    assert.ok(counts.agreed > counts.declined && counts.declined > 0, JSON.stringify(counts));
    for (const a of await h.attempts(plain)) {
      assert.equal(JSON.parse(a.details!).result, undefined, "no bot script: no scenario result");
    }
  } finally {
    await h.close();
  }
});

test("scenarios through the API: create or replace by key, validation, account scope", async () => {
  const f = await apiFixture();
  try {
    const put = (payload: Record<string, unknown>, key?: string) =>
      f.call({ method: "PUT", url: "/v1/scenarios", payload, key });
    const ok = await put({
      key: "rule-7",
      name: "greeting",
      say: "Hi {{name}}",
      results: [{ name: "ok", weight: 1 }],
      talkSec: { min: 5, max: 10 },
    });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(ok.json().talkSec, { kind: "uniform", min: 5, max: 10 });
    const again = await put({ key: "rule-7", name: "greeting v2", results: [{ name: "ok", weight: 1 }] });
    assert.equal(again.json().id, ok.json().id, "the same key replaces");
    assert.equal(again.json().name, "greeting v2");
    for (const [payload, field] of [
      [{ key: "", name: "x", results: [{ name: "a", weight: 1 }] }, "body.key"],
      [{ key: "k", name: "x", results: [] }, "body.results"],
      [{ key: "k", name: "x", results: [{ name: "a", weight: 0 }] }, "body.results[0].weight"],
      // Weights whose sum is not finite would break the weighted draw.
      [{ key: "k", name: "x", results: [{ name: "a", weight: 1e308 }] }, "body.results[0].weight"],
      [
        { key: "k", name: "x", results: [{ name: "a", weight: 1 }], talkSec: { min: 100, max: 1 } },
        "body.talkSec.max",
      ],
    ] as const) {
      const r = await put(payload as Record<string, unknown>);
      assert.equal(r.statusCode, 400, r.body);
      assert.equal(r.json().error.field, field);
    }
    const other = await f.newAccount("other");
    assert.equal(
      (await f.call({ method: "GET", url: `/v1/scenarios/${ok.json().id}`, key: other.key })).statusCode,
      404,
    );
    assert.equal(
      (await f.call({ method: "GET", url: "/v1/scenarios", key: other.key })).json().data.length,
      0,
    );
    assert.equal((await f.call({ method: "DELETE", url: `/v1/scenarios/${ok.json().id}` })).statusCode, 204);
  } finally {
    await f.close();
  }
});
