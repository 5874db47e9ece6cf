// GetCallLists and GetCallListDetails report a list's dialing settings as the engine applies them: after an
// edit through the native API (PATCH /v1/campaigns/:id, the dashboard's), num_attempts, max_simultaneous,
// interval_seconds, task_priority_strategy, queue_id, rule_id and attempts_left follow the edit, not the
// values the list was created with.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createQueue } from "../../../src/store/queues.ts";
import { listFields, type VoxFixture, voxFixture } from "./helpers.ts";

async function edit(f: VoxFixture, listId: number, settings: Record<string, unknown>): Promise<void> {
  const res = await f.call({ method: "PATCH", url: `/v1/campaigns/${listId}`, payload: { settings } });
  assert.equal(res.statusCode, 200, res.body);
}

async function shownList(f: VoxFixture, listId: number): Promise<Record<string, unknown>> {
  const answer = await f.vox("GetCallLists", { list_id: listId });
  assert.equal(answer.result.length, 1, JSON.stringify(answer));
  return answer.result[0];
}

const dialingFields = (list: Record<string, unknown>) => ({
  rule_id: list.rule_id,
  max_simultaneous: list.max_simultaneous,
  num_attempts: list.num_attempts,
  interval_seconds: list.interval_seconds,
  task_priority_strategy: list.task_priority_strategy,
  queue_id: list.queue_id,
});

test("an unedited list reports back exactly what CreateCallList was given", async () => {
  const f = await voxFixture({ scenario: "always_busy" });
  try {
    const queue = await createQueue(f.store.db, f.accountId, "sales", f.clock.now());
    const made = await f.vox(
      "CreateCallList",
      listFields({
        rule_id: 11,
        num_attempts: 3,
        interval_seconds: 45,
        max_simultaneous: 4,
        task_priority_strategy: "repeated_attempts",
        queue_id: queue.id,
      }),
    );
    assert.equal(made.result, true, JSON.stringify(made));
    assert.deepEqual(dialingFields(await shownList(f, made.list_id)), {
      rule_id: 11,
      max_simultaneous: 4,
      num_attempts: 3,
      interval_seconds: 45,
      task_priority_strategy: "repeated_attempts",
      queue_id: queue.id,
    });
  } finally {
    await f.close();
  }
});

test("a list edited through /v1 reports the settings it is dialed by, and is filtered by its live rule", async () => {
  const f = await voxFixture({ scenario: "always_busy" });
  try {
    const made = await f.vox(
      "CreateCallList",
      listFields({
        rule_id: 7,
        num_attempts: 2,
        interval_seconds: 60,
        max_simultaneous: 2,
        file_content: "phone\n+12125550150\n",
      }),
    );
    await edit(f, made.list_id, {
      maxAttemptsPerContact: 4,
      maxConcurrent: 5,
      retryIntervalSec: 120,
      attemptOrder: "repeated_attempts",
      priority: 3,
      bot: { scriptId: "9", onTransfer: "end", transferTo: null },
    });
    await f.run(3_600_000);

    // What the engine did: four busy attempts 120 s apart, each running rule 9's scenario.
    const attempts = await f.attempts(made.list_id);
    assert.equal(attempts.length, 4);
    for (let i = 1; i < attempts.length; i++) {
      assert.ok(attempts[i].started_at - attempts[i - 1].started_at >= 120_000, `attempt ${i} waited 120 s`);
    }
    assert.deepEqual(new Set(f.originated.map((o) => o.bot?.scriptId)), new Set(["9"]));

    const list = await shownList(f, made.list_id);
    assert.equal(list.priority, 3);
    assert.deepEqual(dialingFields(list), {
      rule_id: 9,
      max_simultaneous: 5,
      num_attempts: 4,
      interval_seconds: 120,
      task_priority_strategy: "repeated_attempts",
      queue_id: null,
    });
    const byRule = async (ruleId: number) =>
      (await f.vox("GetCallLists", { rule_id: ruleId })).result.map((l: { list_id: number }) => l.list_id);
    assert.deepEqual(await byRule(9), [made.list_id]);
    assert.deepEqual(await byRule(7), []);
  } finally {
    await f.close();
  }
});

test("a queue given through /v1 is the list's queue_id", async () => {
  const f = await voxFixture({ scenario: "always_busy" });
  try {
    const queue = await createQueue(f.store.db, f.accountId, "support", f.clock.now());
    const made = await f.vox("CreateCallList", listFields());
    await edit(f, made.list_id, { queueId: queue.id, dialMethod: "predictive" });
    assert.equal((await shownList(f, made.list_id)).queue_id, queue.id);
  } finally {
    await f.close();
  }
});

test("a bot script that is no rule id names no rule, and the rule_id filter does not find the list", async () => {
  const f = await voxFixture({ scenario: "always_busy" });
  try {
    const made = await f.vox("CreateCallList", listFields({ rule_id: 7 }));
    await edit(f, made.list_id, { bot: { scriptId: "welcome-bot", onTransfer: "end", transferTo: null } });
    assert.equal((await shownList(f, made.list_id)).rule_id, null);
    assert.deepEqual((await f.vox("GetCallLists", { rule_id: 7 })).result, []);
  } finally {
    await f.close();
  }
});

test("attempts_left counts against the edited attempts: a task waiting for its next dial has some left", async () => {
  const f = await voxFixture({ scenario: "always_busy" });
  try {
    const made = await f.vox(
      "CreateCallList",
      listFields({ num_attempts: 1, interval_seconds: 600, file_content: "phone\n+12125550151\n" }),
    );
    await edit(f, made.list_id, { maxAttemptsPerContact: 3 });
    await f.run(60_000); // one busy attempt made, the next one 600 s later
    assert.equal((await f.attempts(made.list_id)).length, 1);
    const details = async () =>
      (await f.vox("GetCallListDetails", { list_id: made.list_id, output: "json" })).result[0];
    const waiting = await details();
    assert.deepEqual([waiting.status, waiting.attempts_left], ["In progress", 2], JSON.stringify(waiting));

    await f.run(3_600_000);
    assert.equal((await f.attempts(made.list_id)).length, 3, "the engine dials the 3 attempts edited in");
    const done = await details();
    assert.deepEqual([done.status, done.attempts_left], ["Error", 0], JSON.stringify(done));
  } finally {
    await f.close();
  }
});
