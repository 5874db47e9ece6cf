// A PostgreSQL connection the server ends (a restart, a failover, an idle-session reaper) must not end the
// node: pg emits 'error' for it, and an 'error' nobody hears kills the process. Broken idle connections, and
// one broken while checked out between two statements of a transaction, are heard and dropped; the next
// queries get new connections, and a campaign dialing through it goes on with each contact called once.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import pg from "pg";
import { VirtualClock } from "../../src/clock/virtual-clock.ts";
import { Engine } from "../../src/engine/engine.ts";
import { openStore, type Store } from "../../src/store/db.ts";
import { createDriver } from "../../src/telephony/index.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { KeepingDriver } from "../helpers/keeping-driver.ts";
import { dialects } from "../helpers/stores.ts";

const pgUrl = dialects().some((d) => d.name === "postgres") ? process.env.OUTDIAL_TEST_PG_URL : undefined;
const skip = pgUrl ? false : "PostgreSQL only (OUTDIAL_TEST_PG_URL)";

/** A store on its own schema whose connections' backend pids and broken-connection errors are recorded. */
async function watchedStore() {
  const schema = `t_${randomBytes(6).toString("hex")}`;
  const heard: Error[] = [];
  const store = await openStore({
    url: pgUrl as string,
    pgSchema: schema,
    poolSize: 4,
    onConnectionError: (err) => heard.push(err),
  });
  const pids = new Set<number>();
  store.pool?.on("acquire", (c) => pids.add((c as unknown as { processID: number }).processID));
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  const terminate = async (which: number[]) => {
    const before = heard.length;
    await admin.query("SELECT pg_terminate_backend(p) FROM unnest($1::int[]) AS p", [which]);
    // The client hears of it when the server's goodbye arrives: soon, later on a busy machine (up to 5 s
    // for the first), then 200 ms for the others.
    for (const end = Date.now() + 5000; heard.length === before && Date.now() < end; )
      await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 200));
  };
  const close = async (s: Store) => {
    await s.pool?.query(`DROP SCHEMA "${schema}" CASCADE`);
    await s.close();
    await admin.end();
  };
  return { store, heard, pids, terminate, close };
}

test("connections ended by the server, idle or inside a transaction, are dropped and replaced", {
  skip,
}, async () => {
  const w = await watchedStore();
  try {
    await Promise.all([1, 2, 3].map(() => w.store.db.selectFrom("accounts").select("id").execute()));
    await w.terminate([...w.pids]);
    assert.ok(w.heard.length > 0, "the broken idle connections were heard");
    assert.deepEqual(await w.store.db.selectFrom("accounts").select("id").execute(), []);

    const client = await (w.store.pool as pg.Pool).connect();
    await client.query("BEGIN");
    const heardBefore = w.heard.length;
    await w.terminate([(client as unknown as { processID: number }).processID]);
    assert.ok(w.heard.length > heardBefore, "the checked-out connection's error was heard, not thrown");
    await assert.rejects(client.query("COMMIT"));
    client.release(true);
    assert.deepEqual(await w.store.db.selectFrom("accounts").select("id").execute(), []);
  } finally {
    await w.close(w.store);
  }
});

test("a campaign dialing while its node's connections are ended goes on, each contact called once", {
  skip,
}, async () => {
  const w = await watchedStore();
  const t0 = Date.UTC(2026, 0, 5, 9, 0, 0);
  const clock = new VirtualClock(t0);
  const driver = new KeepingDriver(createDriver("sim", { clock }, { seed: 3, scenario: "default" }));
  const errors: unknown[] = [];
  const engine = new Engine({
    store: w.store,
    clock,
    driver,
    nodeId: "n1",
    leaseMs: 60_000,
    maxChannels: null,
    onError: (e) => errors.push(e),
  });
  try {
    const accountId = await createAccount(w.store, "acme", t0);
    await engine.run();
    const ids = await createCampaign(
      w.store,
      accountId,
      { maxConcurrent: 5, callsPerSecond: 2, maxAttemptsPerContact: 1 },
      { now: t0 },
    );
    const phones = Array.from({ length: 60 }, (_, i) => ({ phones: [`+1202555${1000 + i}`] }));
    await addContacts(w.store, { accountId, ...ids }, phones, t0);
    await engine.start(accountId, ids.campaignId);
    await clock.run({ until: t0 + 20_000 });
    const before = driver.requests.length;
    assert.ok(before > 0 && before < 60, `dialing under way (${before} dialed)`);
    await w.terminate([...w.pids]);
    await clock.run({ until: t0 + 3_600_000 });
    const attempts = await w.store.db
      .selectFrom("attempts")
      .select(["contact_id", "outcome"])
      .where("campaign_id", "=", ids.campaignId)
      .execute();
    assert.equal(new Set(attempts.map((a) => a.contact_id)).size, 60, "every contact dialed");
    assert.equal(attempts.length, 60, "none twice");
    assert.equal(attempts.filter((a) => a.outcome === null || a.outcome === "lost").length, 0);
    assert.equal(driver.requests.length, 60);
  } finally {
    await engine.shutdown();
    await w.close(w.store);
  }
});
