// The engine on each store dialect: the same campaign, seed and virtual clock must give the very same
// attempts (numbers, times, outcomes) and contact results on SQLite and on PostgreSQL.
import assert from "node:assert/strict";
import { test } from "node:test";
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
