// A call job's own hours (allowedTime, allowedDays) are on the subscriber's clock. When nothing tells that
// clock — no gmtZone, a number that does not decide its zone (a Russian mobile: 79110000000, JAICP's own
// example), a campaign without defaultZone — the engine would read them in UTC and ring Vladivostok at night:
// the job is refused up front, naming its gmtZone, and nothing of the request is written.
import assert from "node:assert/strict";
import { test } from "node:test";
import { campaignToken, jaicpFace } from "./helpers.ts";

const face = jaicpFace();
const nineToSix = { default: [{ localTimeFrom: "09:00", localTimeTo: "18:00" }] };

const stored = (id: number) =>
  face.f.store.db.selectFrom("contacts").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

test("allowedTime for a Russian mobile with no gmtZone in a campaign without defaultZone: 400 naming gmtZone", async () => {
  const before = await face.contactCount();
  const res = await face.addPhones([{ phone: 79110000000, allowedTime: nineToSix }]);
  assert.equal(res.statusCode, 400, res.body);
  const { error } = res.json();
  assert.equal(error.code, "invalid_request");
  assert.equal(error.field, "[0].gmtZone");
  assert.equal(
    error.message,
    "[0].gmtZone: allowedTime is read on the subscriber's clock: give gmtZone, or set the campaign's defaultZone; this number does not tell its zone",
  );
  assert.equal(await face.contactCount(), before, "nothing written");
});

test("in a batch the job is named by its index and no job of the request is written", async () => {
  const before = await face.contactCount();
  const res = await face.addPhones([
    { phone: 79110000001, gmtZone: "Europe/Moscow", allowedTime: nineToSix },
    { phone: 79110000002 },
    { phone: "79110000003", gmtZone: null, allowedDays: ["mon", "tue"] },
  ]);
  assert.equal(res.statusCode, 400, res.body);
  assert.equal(res.json().error.field, "[2].gmtZone", "gmtZone: null is no zone");
  assert.match(res.json().error.message, /^\[2\]\.gmtZone: allowedDays is read on the subscriber's clock/);
  assert.equal(await face.contactCount(), before, "nothing written");
});

test("both fields are named when both are given; a bad interval is still named first", async () => {
  const both = await face.addPhones([{ phone: 79110000004, allowedDays: ["mon"], allowedTime: nineToSix }]);
  assert.equal(both.statusCode, 400, both.body);
  assert.match(both.json().error.message, /allowedDays and allowedTime are read on the subscriber's clock/);
  const backwards = await face.addPhones([
    { phone: 79110000004, allowedTime: { default: [{ localTimeFrom: "18:00", localTimeTo: "10:00" }] } },
  ]);
  assert.equal(backwards.statusCode, 400, backwards.body);
  assert.equal(backwards.json().error.field, "[0].allowedTime.default[0]");
});

test("a job with a zone keeps its hours: from gmtZone, or from its number", async () => {
  const res = await face.addPhones([
    { phone: 79110000005, gmtZone: "+03:00", allowedTime: nineToSix },
    { phone: 74232000000, allowedTime: nineToSix }, // a Vladivostok landline
    { phone: 12125550123, allowedDays: ["mon"] }, // New York
  ]);
  assert.equal(res.statusCode, 200, res.body);
  const rows = await Promise.all((res.json() as number[]).map(stored));
  assert.deepEqual(
    rows.map((r) => r.time_zone),
    ["UTC+03:00", "Asia/Vladivostok", "America/New_York"],
  );
  assert.deepEqual(JSON.parse(rows[0].policy!).ranges[0], { days: [1], from: "09:00", to: "18:00" });
});

test("a campaign with defaultZone takes the job, its hours read on that zone", async () => {
  const zoned = await campaignToken(face.f, { name: "zoned", settings: { defaultZone: "Europe/Moscow" } });
  const res = await face.addPhones([{ phone: 79110000006, allowedTime: nineToSix }], zoned.token);
  assert.equal(res.statusCode, 200, res.body);
  const row = await stored(res.json()[0]);
  assert.equal(row.time_zone, null, "the contact's own zone stays unknown; the campaign's is its clock");
  assert.equal(JSON.parse(row.policy!).ranges.length, 7);
});

test("hours that open every day all day are the same on any clock: taken without a zone", async () => {
  const res = await face.addPhones([
    { phone: 79110000007, allowedDays: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], maxAttempts: 2 },
  ]);
  assert.equal(res.statusCode, 200, res.body);
});

test("GET addPhone has no hours of its own: allowedTime there is payload, and the number is taken", async () => {
  const res = await face.addPhone("phone=79110000008&allowedTime=09:00-18:00");
  assert.equal(res.statusCode, 200, res.body);
  const row = await stored(Number(res.body));
  assert.deepEqual(JSON.parse(row.custom), { allowedTime: "09:00-18:00" });
  assert.equal(row.policy, null);
});
