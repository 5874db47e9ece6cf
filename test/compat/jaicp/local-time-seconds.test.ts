// allowedTime intervals written with seconds ("10:00:00"), as Jackson writes a java.time.LocalTime (its
// ISO_LOCAL_TIME always prints them): the way the Java and Kotlin clients this face caters for serialize a
// TimeInterval. They are taken as the core's WeeklyRange takes "HH:mm[:ss]", kept without zero seconds, and
// compared as times, not as text: "10:00" to "10:00:00" is an empty interval, "00:00:00" ends the day.
import assert from "node:assert/strict";
import { test } from "node:test";
import { jaicpFace } from "./helpers.ts";

// A Russian mobile tells no zone: the job's hours are read in the campaign's defaultZone.
const face = jaicpFace({ settings: { defaultZone: "Europe/Moscow" } });

const post = (localTimeFrom: string, localTimeTo: string) =>
  face.addPhones([
    {
      phone: 79110000000,
      allowedDays: ["mon"],
      allowedTime: { default: [{ localTimeFrom, localTimeTo }] },
    },
  ]);
const rangesOf = async (id: number) => {
  const row = await face.f.store.db
    .selectFrom("contacts")
    .select("policy")
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  return (JSON.parse(row.policy ?? "{}").ranges as { days: number[]; from: string; to: string }[]).map(
    (r) => [r.days, r.from, r.to],
  );
};

test("allowedTime with HH:mm:ss times (Jackson's LocalTime) is the same window as HH:mm", async () => {
  for (const [from, to, want] of [
    ["10:00:00", "18:00:00", ["10:00", "18:00"]],
    ["10:00", "18:00:00", ["10:00", "18:00"]],
    ["09:30:15", "18:00:45", ["09:30:15", "18:00:45"]],
    ["22:00:00", "00:00:00", ["22:00", "24:00"]],
  ] as const) {
    const res = await post(from, to);
    assert.equal(res.statusCode, 200, `${from}–${to}: ${res.body}`);
    assert.deepEqual(await rangesOf(res.json()[0]), [[[1], ...want]], `${from}–${to}`);
  }
});

test("an interval is compared as times: 10:00 to 10:00:00 is empty, 10:00 to 10:00:01 is not", async () => {
  const empty = await post("10:00", "10:00:00");
  assert.equal(empty.statusCode, 400, empty.body);
  assert.equal(empty.json().error.field, "[0].allowedTime.default[0]", empty.body);
  const second = await post("10:00", "10:00:01");
  assert.equal(second.statusCode, 200, second.body);
});

test("seconds out of range are a 400 naming the time", async () => {
  const res = await post("10:00:60", "18:00");
  assert.equal(res.statusCode, 400, res.body);
  assert.equal(res.json().error.field, "[0].allowedTime.default[0].localTimeFrom", res.body);
  assert.match(res.json().error.message, /HH:mm or HH:mm:ss/, res.body);
});
