// queue_id and avg_waiting_sec acted on: a call list with a queue dials predictively (PDS) for the agents of
// that outdial queue, a live answer waiting for one at most avg_waiting_sec (default 1) and never over the
// 2-second rule; a queue that is not the account's is Voximplant's invalid-argument error and creates nothing.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { SimulatedAgents } from "../../../src/engine/agents/simulated.ts";
import { insertAccount } from "../../../src/store/accounts.ts";
import { createAgent } from "../../../src/store/agents.ts";
import { createQueue, setQueueMembers } from "../../../src/store/queues.ts";
import { listFields, type VoxFixture, voxFixture } from "./helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: the client is untyped JavaScript at runtime
type Client = any;
const mod = (await import("@voximplant/apiclient-nodejs")) as { default: Client };
const VoximplantApiClient = mod.default.default ?? mod.default;

const settingsOf = async (f: VoxFixture, id: number) =>
  JSON.parse(
    (
      await f.store.db
        .selectFrom("campaigns")
        .select("settings")
        .where("id", "=", id)
        .executeTakeFirstOrThrow()
    ).settings,
  );
const campaignCount = async (f: VoxFixture) =>
  Number(
    (
      await f.store.db
        .selectFrom("campaigns")
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe("CreateCallList with queue_id through the official client", () => {
  let f: VoxFixture;
  let client: Client;
  before(async () => {
    f = await voxFixture({ tls: true, start: Date.now() });
    const file = await f.credentialsFile("call_list_manager");
    client = await new Promise((resolve) => {
      const c = new VoximplantApiClient({ pathToCredentials: file, host: f.host });
      c.onReady = () => resolve(c);
    });
  });
  after(() => f.close());

  test("a predictive campaign for that queue, abandonAfterSec from avg_waiting_sec (1 by default, 2 for 5)", async () => {
    const queue = await createQueue(f.store.db, f.accountId, "pds", f.clock.now());
    const create = (name: string, extra: Record<string, unknown>) =>
      client.CallLists.createCallList({
        ruleId: 1,
        priority: 1,
        maxSimultaneous: 2,
        numAttempts: 1,
        name,
        fileContent: Buffer.from("phone_number\n+12125550301\n"),
        queueId: queue.id,
        ...extra,
      });
    const plain = await create("default wait", {});
    assert.equal(plain.result, true, JSON.stringify(plain));
    const long = await create("long wait", { avg_waiting_sec: 5 });
    const short = await create("short wait", { avg_waiting_sec: "1.5" });
    const expected: [number, number, number][] = [
      [plain.listId, 1, 1],
      [long.listId, 2, 5],
      [short.listId, 1.5, 1.5],
    ];
    for (const [listId, abandonAfterSec, avgWaitingSec] of expected) {
      const s = await settingsOf(f, listId);
      assert.deepEqual(
        [s.queueId, s.dialMethod, s.abandonAfterSec, s.vendor.voximplant.avg_waiting_sec],
        [queue.id, "predictive", abandonAfterSec, avgWaitingSec],
        `list ${listId}`,
      );
    }
    // GetCallLists answers what was given, as before (the client's list type drops these two fields).
    const [shown] = (await f.vox("GetCallLists", { list_id: long.listId })).result;
    assert.deepEqual([shown.queue_id, shown.avg_waiting_sec], [queue.id, 5]);

    const robot = await client.CallLists.createCallList({
      ruleId: 1,
      priority: 1,
      maxSimultaneous: 2,
      numAttempts: 1,
      name: "no queue",
      fileContent: Buffer.from("phone_number\n+12125550302\n"),
      avg_waiting_sec: 5,
    });
    const s = await settingsOf(f, robot.listId);
    assert.deepEqual(
      [s.queueId, s.dialMethod, s.abandonAfterSec],
      [undefined, "robot", 2],
      "no queue: as before",
    );
  });

  test("CreateManualCallList (the seed's field names) takes queue_id the same way", async () => {
    const queue = await createQueue(f.store.db, f.accountId, "manual pds", f.clock.now());
    const out = await f.vox(
      "CreateManualCallList",
      listFields({ name: "manual pds", queue_id: queue.id, avg_waiting_sec: 3 }),
    );
    assert.equal(out.result, true, JSON.stringify(out));
    const s = await settingsOf(f, out.list_id);
    assert.deepEqual([s.queueId, s.dialMethod, s.abandonAfterSec], [queue.id, "predictive", 2]);
    const refused = await f.vox(
      "CreateManualCallList",
      listFields({ name: "manual bad", queue_id: 999_999 }),
    );
    assert.equal(refused.error?.code, 101, JSON.stringify(refused));
  });

  test("an unknown or another account's queue_id: invalid arguments, and no list is created", async () => {
    const otherAccount = await insertAccount(f.store.db, "other", f.clock.now());
    const theirs = await createQueue(f.store.db, otherAccount, "theirs", f.clock.now());
    const before = await campaignCount(f);
    for (const queueId of [theirs.id, 999_999]) {
      const res = await client.CallLists.createCallList({
        ruleId: 1,
        priority: 1,
        maxSimultaneous: 2,
        numAttempts: 1,
        name: `foreign ${queueId}`,
        fileContent: Buffer.from("phone_number\n+12125550303\n"),
        queueId,
      });
      assert.equal(res.error?.code, 101, JSON.stringify(res));
      assert.match(res.error.msg, /queue_id/);
    }
    assert.equal(await campaignCount(f), before);
  });
});

describe("a PDS call list dialing for its queue's agents", () => {
  // Monday 2026-01-05 15:00 UTC = 10:00 in New York: inside agent campaigns' calling hours.
  const START = Date.UTC(2026, 0, 5, 15, 0, 0);
  let f: VoxFixture;
  before(async () => {
    f = await voxFixture({ scenario: "all_human", start: START });
  });
  after(() => f.close());

  test("the list's live answers go to the simulated agents of the queue", async () => {
    const queue = await createQueue(f.store.db, f.accountId, "pds", f.clock.now());
    const agents: number[] = [];
    for (const name of ["Ann", "Bob"]) {
      agents.push(
        (await createAgent(f.store.db, f.accountId, { name, userId: null, extension: null }, 0)).id,
      );
    }
    await setQueueMembers(
      f.store,
      f.accountId,
      queue.id,
      agents.map((agentId) => ({ agentId, penalty: 0 })),
      f.clock.now(),
    );
    const rows = Array.from({ length: 12 }, (_, i) => `+1212555${4000 + i}`);
    const out = await f.vox(
      "CreateCallList",
      listFields({ max_simultaneous: 6, queue_id: queue.id, file_content: `phone\n${rows.join("\n")}\n` }),
    );
    assert.equal(out.result, true, JSON.stringify(out));
    const sim = new SimulatedAgents(f.engine.agents, f.engine.board, f.clock, f.accountId, {
      talkSec: 30,
      wrapSec: 2,
      seed: 2,
    });
    await sim.login(out.list_id, agents);
    await f.run(2 * 3600_000);

    const attempts = await f.attempts(out.list_id);
    assert.equal(new Set(attempts.map((a) => a.phone)).size, 12, "every task dialed");
    const humans = attempts.filter((a) => a.outcome === "human");
    assert.ok(humans.length >= 6, `${humans.length} live answers connected`);
    for (const a of humans)
      assert.ok(agents.includes(Number(a.agent_id)), `attempt ${a.id}: agent ${a.agent_id}`);
    assert.deepEqual(
      new Set(humans.map((a) => Number(a.agent_id))),
      new Set(agents),
      "both agents took calls",
    );
    for (const a of attempts.filter((x) => x.outcome === "abandoned")) {
      assert.equal(Number(a.ended_at) - Number(a.answered_at), 1000, "abandoned after avg_waiting_sec (1 s)");
    }
  });
});
