// The engine on each store dialect: the same campaign, seed and virtual clock must give the very same
// attempts (numbers, times, outcomes) and contact results on SQLite and on PostgreSQL.
import assert from "node:assert/strict";
import { test } from "node:test";
import { queueAgents, simulatedAgents } from "../helpers/agents.ts";
import { harness } from "../helpers/engine-harness.ts";
import { dialects } from "../helpers/stores.ts";

async function run(open: () => Promise<import("../../src/store/db.ts").Store>) {
  const h = await harness({ scenario: "default", seed: 11, openStore: open });
  const id = await h.campaign(
    {
      maxConcurrent: 8,
      callsPerSecond: 2,
      maxAttemptsPerContact: 3,
      retry: { busy: { intervalSec: 120, maxRetries: 2 }, no_answer: { intervalSec: 600, maxRetries: 1 } },
      multiNumber: "parallel",
      successMinTalkSec: 10,
    },
    Array.from({ length: 60 }, (_, i) => ({
      phones: i % 4 === 0 ? [`+1202555${3000 + i}`, `+1202555${3500 + i}`] : [`+1202555${3000 + i}`],
      priority: i % 3,
    })),
  );
  await h.engine.start(h.accountId, id);
  await h.runToEnd();
  const attempts = (await h.attempts(id)).map((a) =>
    [a.seq, a.phone, a.started_at, a.ended_at, a.outcome, a.talk_sec].join(" "),
  );
  const contacts = (await h.contacts(id)).map((c) => [c.external_id, c.status, c.attempts].join(" "));
  await h.close();
  return { attempts, contacts };
}

test("SQLite and PostgreSQL run one campaign to the same attempts and results", async (t) => {
  const cases = dialects();
  if (cases.length < 2) {
    t.skip("set OUTDIAL_TEST_PG_URL to compare with PostgreSQL");
    return;
  }
  const [sqlite, postgres] = await Promise.all(cases.map((c) => run(c.open)));
  assert.ok(sqlite.attempts.length > 60, `retries happened: ${sqlite.attempts.length}`);
  assert.deepEqual(postgres.attempts, sqlite.attempts);
  assert.deepEqual(postgres.contacts, sqlite.contacts);
});

async function abandonedRun(open: () => Promise<import("../../src/store/db.ts").Store>) {
  // Power dialing 3 lines for 1 agent on a list where everyone answers: some callees get no agent.
  const h = await harness({
    start: Date.UTC(2026, 0, 5, 14, 0, 0),
    seed: 8,
    scenario: { outcomes: { human: 1 }, talkSec: 3600, ringSec: 5 },
    openStore: open,
    maintenanceMs: 600_000,
  });
  const id = await h.campaign(
    { dialMethod: "power", powerRatio: 3, wrapUpSec: 0, maxAttemptsPerContact: 2, retryIntervalSec: 600 },
    Array.from({ length: 3 }, (_, i) => ({ phones: [`+1202555${1000 + i}`] })),
  );
  const [agent] = await queueAgents(h, id, 1);
  await simulatedAgents(h, { talkSec: 20, wrapSec: 0 }).login(id, [agent]);
  await h.engine.start(h.accountId, id);
  // The first calls find one agent for three lines: some are abandoned within the hour.
  await h.runToEnd(3_600_000);
  const attempts = await h.attempts(id);
  const rows = await h.store.db.selectFrom("contacts").select(["id", "abandoned_at"]).orderBy("id").execute();
  await h.close();
  return rows.map((c) => {
    const ends = attempts.filter((a) => a.contact_id === c.id && a.outcome === "abandoned");
    return [c.abandoned_at === null ? null : Number(c.abandoned_at), ends.map((a) => Number(a.ended_at))];
  });
}

test("both dialects keep when each contact's latest abandoned call ended", async () => {
  for (const dialect of dialects()) {
    const contacts = await abandonedRun(dialect.open);
    assert.ok(
      contacts.some(([, ends]) => (ends as number[]).length > 0),
      `${dialect.name}: some call was abandoned`,
    );
    for (const [at, ends] of contacts) {
      const e = ends as number[];
      assert.equal(at, e.length ? Math.max(...e) : null, dialect.name);
    }
  }
});
