// A Twin24 candidate's variables may be JSON numbers, and become the contact's custom fields. JSON.parse
// rounds an integer beyond ±2^53 (a 64-bit CRM id 9007199254740993 arrives as …992), so the task's results
// showed another id than the client sent, under a 200. Such a variable now refuses the batch with a 400 in
// the face's terms (field "variables.<name>", the candidate's row in the batch), nothing of it added; the
// largest safe integer is kept exactly.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { manualTask, type Twin24Fixture, twin24Fixture } from "./helpers.ts";

const TASKS = "/cis/api/v1/telephony/autoCall";

let f: Twin24Fixture;
before(async () => {
  f = await twin24Fixture();
});
after(() => f.close());

/** The body as text: the numbers must reach the server as the client wrote them. */
const addCandidates = (uuid: string, batch: string) =>
  f.call({
    method: "POST",
    url: `${TASKS}/${uuid}/candidates`,
    payload: `{"batch": ${batch}}`,
    headers: { "content-type": "application/json" },
  });

test("a variable beyond 2^53 is a 400 naming it and its candidate, nothing added", async () => {
  const uuid = await f.createTask(manualTask());
  const res = await addCandidates(
    uuid,
    '[{"phone": "+79162220031"}, {"phone": "+79162220032", "variables": {"Name": "Ann", "dealId": 9007199254740993}}]',
  );
  assert.equal(res.statusCode, 400, res.body);
  const e = res.json().error as { code: string; field: string; row: number; message: string };
  assert.deepEqual([e.code, e.field, e.row], ["inexact_integer", "variables.dealId", 2], res.body);
  assert.match(e.message, /^variables\.dealId: .*send it as a string/, res.body);
  assert.doesNotMatch(e.message, /custom/);
  const { candidates } = (await f.task(uuid)) as unknown as { candidates: { total: number } };
  assert.equal(candidates.total, 0, "nothing of the batch was added");
});

test("the largest safe integer and a long id sent as a string are kept exactly", async () => {
  const uuid = await f.createTask(manualTask());
  const res = await addCandidates(
    uuid,
    '[{"phone": "+79162220033", "variables": {"max": 9007199254740991, "dealId": "9007199254740993"}}]',
  );
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().added, 1, res.body);
  const results = await f.call({ method: "GET", url: `${TASKS}/${uuid}/candidates` });
  assert.deepEqual(results.json().data[0].variables, { max: "9007199254740991", dealId: "9007199254740993" });
});
