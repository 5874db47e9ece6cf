// JAICP's Java and Kotlin clients write unset optional CallJobParameters as null (and unset collections as
// empty): each is taken as absent, not a 400 for the batch nor a policy that sends the job ahead. GET
// addPhone's errors name its query parameters as the client wrote them ("phone", not "querystring.phone").
import assert from "node:assert/strict";
import { test } from "node:test";
import { jaicpFace } from "./helpers.ts";

const face = jaicpFace();
const get = face.addPhone;
const post = face.addPhones;

test("a Jackson/Gson-style CallJob with every unset optional field written as null is taken, as gmtZone: null is", async () => {
  // The face already reads gmtZone: null as absent because "Java and Kotlin clients write unset optional
  // fields so" — such a client writes the other optional CallJobParameters the same way.
  const job = {
    phone: 79110000000,
    gmtZone: null,
    payload: { name: "Alex" },
    startDateTime: null,
    finishDateTime: null,
    allowedDays: null,
    allowedTime: null,
    retryIntervalInMinutes: null,
    maxAttempts: null,
    dialerPriority: null,
  };
  const res = await post([job]);
  assert.equal(res.statusCode, 200, res.body);
  const row = await face.f.store.db
    .selectFrom("contacts")
    .selectAll()
    .where("id", "=", res.json()[0])
    .executeTakeFirstOrThrow();
  assert.equal(row.priority, 0, "no policy given: ordinary priority");
  assert.equal(row.policy, null);
});

test("payload: null (no payload) is taken; empty allowedDays and allowedTime are no policy", async () => {
  const res = await post([{ phone: 79110000000, payload: null, allowedDays: [], allowedTime: {} }]);
  assert.equal(res.statusCode, 200, res.body);
  const row = await face.f.store.db
    .selectFrom("contacts")
    .selectAll()
    .where("id", "=", res.json()[0])
    .executeTakeFirstOrThrow();
  assert.equal(row.policy, null);
  assert.equal(row.priority, 0);
});

test("GET addPhone errors name the field as the client wrote it (phone), like gmtZone's do", async () => {
  const missing = await get("gmtZone=Z");
  assert.equal(missing.statusCode, 400);
  assert.equal(missing.json().error.field, "phone", missing.body);
  const twice = await get("phone=79110000000&phone=79110000001");
  assert.equal(twice.statusCode, 400);
  assert.equal(twice.json().error.field, "phone", twice.body);
});

test("allowedTime with its unset weekdays written as null takes the days given; all null is no policy", async () => {
  const res = await post([
    {
      phone: 79110000000,
      gmtZone: "Europe/Moscow",
      allowedTime: {
        default: [{ localTimeFrom: "10:00", localTimeTo: "18:00" }],
        mon: null,
        tue: [{ localTimeFrom: "12:00", localTimeTo: "13:00" }],
        wed: null,
        thu: null,
        fri: null,
        sat: null,
        sun: null,
      },
    },
    { phone: 79110000001, allowedTime: { default: null, mon: null } },
  ]);
  assert.equal(res.statusCode, 200, res.body);
  const [given, none] = await Promise.all(
    res
      .json()
      .map((id: number) =>
        face.f.store.db.selectFrom("contacts").selectAll().where("id", "=", id).executeTakeFirstOrThrow(),
      ),
  );
  const ranges = JSON.parse(given.policy as string).ranges as { days: number[]; from: string }[];
  assert.deepEqual(
    ranges.map((r) => [r.days[0], r.from]),
    [1, 2, 3, 4, 5, 6, 7].map((d) => [d, d === 2 ? "12:00" : "10:00"]),
  );
  assert.equal(none.policy, null);
});

test("GET addPhone: a payload parameter given twice is payload as a list; gmtZone twice is a 400", async () => {
  const res = await get("phone=79110000000&name=Alex&tag=a&tag=b");
  assert.equal(res.statusCode, 200, res.body);
  const row = await face.f.store.db
    .selectFrom("contacts")
    .selectAll()
    .where("id", "=", Number(res.body))
    .executeTakeFirstOrThrow();
  assert.deepEqual(JSON.parse(row.custom), { name: "Alex", tag: ["a", "b"] });
  const zones = await get("phone=79110000000&gmtZone=Z&gmtZone=%2B03:00");
  assert.equal(zones.statusCode, 400, zones.body);
  assert.equal(zones.json().error.field, "gmtZone", zones.body);
});
