// The JAICP Calls API face over HTTP: campaign tokens, addPhone with every gmtZone form and payload from
// the query, addPhones with call policies, errors naming the field, and tokens that reach one campaign only.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { dialects } from "../../helpers/stores.ts";
import { type VoxFixture, voxFixture } from "../voximplant/helpers.ts";
import * as jaicp from "./helpers.ts";

describe("JAICP Calls API face", () => {
  const face = jaicp.jaicpFace({ name: "bot calls", tokenName: "jaicp" });
  before(() => assert.match(face.token, /^ct_/));

  const contact = (id: number) =>
    face.f.store.db.selectFrom("contacts").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
  const { addPhone, addPhones } = face;

  test("GET addPhone: the seed's example, the id as text, other parameters as payload", async () => {
    // As in the seed: the '+' of +03:00 is not escaped, so it arrives as a space.
    const res = await addPhone("phone=79110000000&gmtZone=+03:00&name=Alex");
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers["content-type"]), /^text\/plain/);
    assert.match(res.body, /^\d+$/);
    const row = await contact(Number(res.body));
    assert.equal(row.campaign_id, face.campaignId);
    assert.equal(row.phone, "+79110000000");
    assert.equal(row.time_zone, "UTC+03:00");
    assert.deepEqual(JSON.parse(row.custom), { name: "Alex" });
    assert.equal(row.priority, 0, "no policy: ordinary priority");
    assert.equal(row.policy, null);
  });

  test("every gmtZone form of the seed is accepted, anything else is a 400 naming gmtZone", async () => {
    const good: [string, string][] = [
      ["Z", "UTC"],
      ["%2B3", "UTC+03:00"],
      ["%2B03", "UTC+03:00"],
      ["-0530", "UTC-05:30"],
      ["%2B053000", "UTC+05:30"],
      ["%2B03:00", "UTC+03:00"],
      ["-03:00:00", "UTC-03:00"],
      ["UTC%2B3", "UTC+03:00"],
      ["GMT-05:00", "UTC-05:00"],
      ["UT%2B0530", "UTC+05:30"],
      ["Europe/Moscow", "Europe/Moscow"],
      ["America/New_York", "America/New_York"],
    ];
    for (const [zone, expected] of good) {
      const res = await addPhone(`phone=79110000001&gmtZone=${zone}`);
      assert.equal(res.statusCode, 200, `${zone}: ${res.body}`);
      assert.equal((await contact(Number(res.body))).time_zone, expected, zone);
    }
    for (const zone of ["%2B25", "Mars/Base", "%2B3:7", "EST%2B", "13:00", "GMT%2B", "%2B03:00:61"]) {
      const res = await addPhone(`phone=79110000001&gmtZone=${zone}`);
      assert.equal(res.statusCode, 400, `${zone}: ${res.body}`);
      assert.equal(res.json().error.field, "gmtZone", zone);
    }
    const inferred = await addPhone("phone=12125550123");
    assert.equal(
      (await contact(Number(inferred.body))).time_zone,
      "America/New_York",
      "zone from the number",
    );
  });

  test("POST addPhones: ids in order, payload and call policy, policy numbers ahead", async () => {
    const res = await addPhones([
      { phone: 79110000002, gmtZone: "+03:00", payload: { name: "Alex", tags: ["vip"] } },
      {
        phone: "79110000003",
        gmtZone: "Europe/Moscow",
        startDateTime: "2026-01-06T06:00:00Z",
        finishDateTime: "2026-01-09T18:00:00Z",
        allowedDays: ["mon", "wed"],
        allowedTime: {
          default: [{ localTimeFrom: "10:00", localTimeTo: "18:00" }],
          wed: [{ localTimeFrom: "12:00", localTimeTo: "13:30" }],
        },
        retryIntervalInMinutes: 120,
        maxAttempts: 2,
        dialerPriority: 5,
      },
      { phone: "+79110000004", maxAttempts: 1 },
    ]);
    assert.equal(res.statusCode, 200, res.body);
    const ids = res.json() as number[];
    assert.equal(ids.length, 3);
    assert.ok(ids[0] < ids[1] && ids[1] < ids[2]);
    const [plain, rich, simple] = await Promise.all(ids.map(contact));
    assert.deepEqual(JSON.parse(plain.custom), { name: "Alex", tags: ["vip"] });
    assert.equal(plain.priority, 0);
    assert.equal(rich.priority, -6, "dialerPriority 5: ahead of the other policy numbers");
    assert.equal(simple.priority, -1);
    assert.equal(rich.start_at, Date.parse("2026-01-06T06:00:00Z"));
    assert.deepEqual(JSON.parse(rich.policy!), {
      finishAt: Date.parse("2026-01-09T18:00:00Z"),
      maxAttempts: 2,
      retryIntervalSec: 7200,
      ranges: [
        { days: [1], from: "10:00", to: "18:00" },
        { days: [3], from: "12:00", to: "13:30" },
      ],
    });
  });

  test("bad call jobs are 400s naming the job and field; nothing of the request is written", async () => {
    const before = await face.f.store.db
      .selectFrom("contacts")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    const cases: [unknown, string][] = [
      [[{ gmtZone: "Z" }], "[0].phone"],
      [[{ phone: "79110000005" }, { phone: "12" }], "[1].phone"],
      [[{ phone: "79110000005", maxAttempts: 0 }], "[0].maxAttempts"],
      [[{ phone: "79110000005", allowedDays: ["funday"] }], "[0].allowedDays[0]"],
      [
        [
          {
            phone: "79110000005",
            allowedTime: { default: [{ localTimeFrom: "25:00", localTimeTo: "26:00" }] },
          },
        ],
        "[0].allowedTime.default[0].localTimeFrom",
      ],
      [
        [
          {
            phone: "79110000005",
            allowedTime: { default: [{ localTimeFrom: "18:00", localTimeTo: "10:00" }] },
          },
        ],
        "[0].allowedTime.default[0]",
      ],
      [
        [
          {
            phone: "79110000005",
            allowedTime: {
              default: [{ localTimeFrom: "10:00", localTimeTo: "18:00" }],
              fri: [
                { localTimeFrom: "09:00", localTimeTo: "12:00" },
                { localTimeFrom: "14:00", localTimeTo: "13:00" },
              ],
            },
          },
        ],
        "[0].allowedTime.fri[1]",
      ],
      [
        [
          {
            phone: "79110000005",
            startDateTime: "2026-01-09T00:00:00Z",
            finishDateTime: "2026-01-08T00:00:00Z",
          },
        ],
        "[0].finishDateTime",
      ],
      [[{ phone: "79110000005", gmtZone: "+99" }], "[0].gmtZone"],
      [[{ phone: "79110000005", colour: "red" }], "[0].colour"],
      [[], "body"],
    ];
    for (const [body, field] of cases) {
      const res = await addPhones(body);
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
      assert.equal(res.json().error.field ?? "", field, JSON.stringify(body));
    }
    const afterCount = await face.f.store.db
      .selectFrom("contacts")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    assert.equal(Number(afterCount.n), Number(before.n));
  });

  test("an interval that ends before it starts is named where the client wrote it, default or a day", async () => {
    const res = await addPhones([
      {
        phone: "79110000005",
        allowedTime: { default: [{ localTimeFrom: "22:00", localTimeTo: "02:00" }] },
      },
    ]);
    assert.equal(res.statusCode, 400, res.body);
    const e = res.json().error;
    assert.equal(e.field, "[0].allowedTime.default[0]");
    assert.match(
      e.message,
      /^\[0\]\.allowedTime\.default\[0\]: localTimeFrom 22:00 is not before localTimeTo 02:00/,
    );
  });

  test("allowedTime for a day outside allowedDays is not used: the job is taken, that day never opens", async () => {
    // A client may send one week template for every job and narrow it with allowedDays; JAICP's docs do not
    // say it refuses that, so neither does the face.
    const res = await addPhones([
      {
        phone: "79110000007",
        gmtZone: "Europe/Moscow",
        allowedDays: ["mon", "wed"],
        allowedTime: {
          default: [{ localTimeFrom: "10:00", localTimeTo: "18:00" }],
          sat: [{ localTimeFrom: "10:00", localTimeTo: "12:00" }],
        },
      },
    ]);
    assert.equal(res.statusCode, 200, res.body);
    const ranges = JSON.parse((await contact(res.json()[0])).policy!).ranges as { days: number[] }[];
    assert.deepEqual([...new Set(ranges.flatMap((r) => r.days))].sort(), [1, 3]);
  });

  test("10,000 call jobs of ordinary size fit one request; a body over 16 MiB is a 413 naming its limit", async () => {
    const jobs = Array.from({ length: 10_000 }, (_, i) => ({
      phone: 79120000000 + i,
      gmtZone: "Europe/Moscow",
      payload: { name: "Alexander Petrov", orderId: `ORD-${String(i).padStart(8, "0")}`, city: "Moscow" },
    }));
    const body = JSON.stringify(jobs);
    assert.ok(body.length > 1024 * 1024, "over the app's own JSON limit");
    const res = await face.addPhonesText(body);
    assert.equal(res.statusCode, 200, res.body.slice(0, 300));
    assert.equal((res.json() as number[]).length, 10_000);

    const huge = JSON.stringify([{ phone: "79110000007", payload: { a: "x".repeat(16 * 1024 * 1024) } }]);
    const over = await face.addPhonesText(huge);
    assert.equal(over.statusCode, 413);
    assert.equal(over.json().error.code, "payload_too_large");
    assert.match(over.json().error.message, /16777216 bytes/);
  });

  test("a token reaches its own campaign only; unknown or revoked tokens are 401", async () => {
    assert.equal((await addPhone("phone=79110000006", "ct_nope")).statusCode, 401);
    const other = await face.f.newAccount("other");
    const theirs = (
      await face.f.call({ method: "POST", url: "/v1/campaigns", key: other.key, payload: { name: "theirs" } })
    ).json().id;
    const theirToken = (
      await face.f.call({
        method: "POST",
        url: `/v1/campaigns/${theirs}/tokens`,
        key: other.key,
        payload: { name: "t" },
      })
    ).json();
    const res = await addPhone("phone=79110000007", theirToken.token);
    assert.equal((await contact(Number(res.body))).campaign_id, theirs);
    assert.equal((await contact(Number(res.body))).account_id, other.accountId);
    // The owner of one account cannot see or revoke another's tokens.
    assert.equal(
      (await face.f.call({ method: "GET", url: `/v1/campaigns/${theirs}/tokens` })).statusCode,
      404,
    );
    // A campaign token is no API key.
    assert.equal(
      (await face.f.call({ method: "GET", url: "/v1/campaigns", key: theirToken.token })).statusCode,
      401,
    );
    const revoked = await face.f.call({
      method: "DELETE",
      url: `/v1/campaigns/${theirs}/tokens/${theirToken.id}`,
      key: other.key,
    });
    assert.equal(revoked.statusCode, 204);
    assert.equal((await addPhone("phone=79110000008", theirToken.token)).statusCode, 401);
    const listed = await face.f.call({
      method: "GET",
      url: `/v1/campaigns/${theirs}/tokens`,
      key: other.key,
    });
    assert.ok(listed.json().data[0].revoked_at);
    assert.equal(listed.json().data[0].token, undefined);
  });
});

for (const dialect of dialects()) {
  describe(`JAICP Calls API face, dialing [${dialect.name}]`, () => {
    const fixture = () => voxFixture({ store: dialect.open }); // the engine runs; everyone answers
    const setUp = async (f: VoxFixture, settings: object = {}) => {
      const { campaignId: id, token } = await jaicp.campaignToken(f, { settings });
      return { id, token };
    };

    test("concurrent first requests put their numbers in one 'Calls API' list", async () => {
      const f = await fixture();
      try {
        const { id, token } = await setUp(f);
        const answers = await Promise.all(
          [0, 1, 2, 3].map((n) => jaicp.addPhone(f, token, `phone=1212555020${n}`)),
        );
        assert.deepEqual(
          answers.map((r) => r.statusCode),
          [200, 200, 200, 200],
        );
        const lists = await f.store.db
          .selectFrom("lists")
          .select("id")
          .where("campaign_id", "=", id)
          .execute();
        assert.equal(lists.length, 1);
        const inIt = await f.store.db
          .selectFrom("contacts")
          .select("id")
          .where("list_id", "=", lists[0].id)
          .execute();
        assert.equal(inIt.length, 4);
      } finally {
        await f.close();
      }
    });

    test("numbers added to a campaign that has completed bring it back, and are dialed", async () => {
      const f = await fixture();
      try {
        const { id, token } = await setUp(f, { calleeWindow: { from: "00:00", to: "24:00" } });
        const add = (phone: string) => jaicp.addPhone(f, token, `phone=${phone}`);
        assert.equal((await add("12125550301")).statusCode, 200);
        assert.equal((await f.call({ method: "POST", url: `/v1/campaigns/${id}/start` })).statusCode, 200);
        await f.run(600_000);
        const status = async () =>
          (await f.call({ method: "GET", url: `/v1/campaigns/${id}` })).json().status;
        assert.equal(await status(), "completed");
        assert.equal((await add("12125550302")).statusCode, 200);
        const more = await jaicp.addPhones(f, token, [{ phone: "12125550303" }]);
        assert.equal(more.statusCode, 200, more.body);
        await f.run(3_600_000);
        assert.deepEqual(
          f.originated.map((r) => r.to),
          ["+12125550301", "+12125550302", "+12125550303"],
        );
        assert.equal(await status(), "completed");
      } finally {
        await f.close();
      }
    });
    test("a completed campaign past its end time refuses new numbers and stores none of them", async () => {
      const f = await fixture();
      try {
        const endAt = f.clock.now() + 3_600_000;
        const { id, token } = await setUp(f, { calleeWindow: { from: "00:00", to: "24:00" }, endAt });
        const add = (phone: string) => jaicp.addPhone(f, token, `phone=${phone}`);
        assert.equal((await add("12125550301")).statusCode, 200);
        assert.equal((await f.call({ method: "POST", url: `/v1/campaigns/${id}/start` })).statusCode, 200);
        await f.run(2 * 3_600_000); // it completes in minutes; then its end time passes
        assert.equal(
          (await f.call({ method: "GET", url: `/v1/campaigns/${id}` })).json().status,
          "completed",
        );
        const one = await add("12125550302");
        const many = await jaicp.addPhones(f, token, [{ phone: "12125550303" }]);
        for (const r of [one, many]) {
          assert.equal(r.statusCode, 409, r.body);
          assert.match(r.json().error.message, /change its endAt/);
        }
        const stored = await f.store.db
          .selectFrom("contacts")
          .select("phone")
          .where("campaign_id", "=", id)
          .execute();
        assert.deepEqual(
          stored.map((c) => c.phone),
          ["+12125550301"],
          "a refused request writes nothing (a client's retry would add them twice)",
        );
      } finally {
        await f.close();
      }
    });
    test("a campaign halted at its end time with numbers waiting refuses new ones too; at its lifetime, not", async () => {
      for (const ends of ["endAt", "lifetime"] as const) {
        const f = await fixture();
        try {
          const hour = 3_600_000;
          const endAt = f.clock.now() + hour;
          const { id, token } = await setUp(f, {
            calleeWindow: { from: "00:00", to: "24:00" },
            ...(ends === "endAt" ? { endAt } : { lifetimeSec: 3600 }),
          });
          const addPhones = (payload: object) => jaicp.addPhones(f, token, payload);
          // One dialed at once, one held past the end: the campaign halts with a number waiting.
          const first = await addPhones([
            { phone: "12125550301" },
            { phone: "12125550302", startDateTime: new Date(endAt + 24 * hour).toISOString() },
          ]);
          assert.equal(first.statusCode, 200, first.body);
          assert.equal((await f.call({ method: "POST", url: `/v1/campaigns/${id}/start` })).statusCode, 200);
          await f.run(2 * hour);
          assert.equal((await f.call({ method: "GET", url: `/v1/campaigns/${id}` })).json().status, "halted");
          const one = await jaicp.addPhone(f, token, "phone=12125550303");
          const many = await addPhones([{ phone: "12125550304" }]);
          const phones = async () =>
            (
              await f.store.db
                .selectFrom("contacts")
                .select("phone")
                .where("campaign_id", "=", id)
                .orderBy("id")
                .execute()
            ).map((c) => c.phone);
          if (ends === "endAt") {
            for (const r of [one, many]) {
              assert.equal(r.statusCode, 409, r.body);
              assert.match(r.json().error.message, /change its endAt/);
            }
            assert.deepEqual(await phones(), ["+12125550301", "+12125550302"]);
          } else {
            // Its recover counts the lifetime again from then, so the numbers can still be dialed.
            for (const r of [one, many]) assert.equal(r.statusCode, 200, r.body);
            assert.equal(
              (await f.call({ method: "POST", url: `/v1/campaigns/${id}/recover` })).statusCode,
              200,
            );
            assert.equal((await phones()).length, 4);
          }
        } finally {
          await f.close();
        }
      }
    });

    test("a campaign stopped before its end time refuses numbers once it has passed: nothing could dial them", async () => {
      const f = await fixture();
      try {
        const endAt = f.clock.now() + 3_600_000;
        const { id, token } = await setUp(f, { calleeWindow: { from: "00:00", to: "24:00" }, endAt });
        assert.equal((await f.call({ method: "POST", url: `/v1/campaigns/${id}/start` })).statusCode, 200);
        assert.equal((await f.call({ method: "POST", url: `/v1/campaigns/${id}/stop` })).statusCode, 200);
        await f.run(2 * 3_600_000);
        const add = await jaicp.addPhone(f, token, "phone=12125550305");
        assert.equal(add.statusCode, 409, add.body);
        assert.match(add.json().error.message, /change its endAt/);
        const start = await f.call({ method: "POST", url: `/v1/campaigns/${id}/start` });
        assert.equal(start.statusCode, 409, start.body);
      } finally {
        await f.close();
      }
    });
  });
}
