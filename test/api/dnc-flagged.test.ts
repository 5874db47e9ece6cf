// A number a contact import keeps "flagged" (phone_policy=flag: not a valid number, kept as written and
// dialed) can be put on the do-not-call list: POST /v1/dnc with phone_policy=flag lists it as the very
// text the contact holds (by default it is still skipped and reported as invalid_phone),
// so the claim (which compares the exact text) never dials it, and GET/DELETE /v1/dnc/{phone} find it by
// that text, URL-encoded, as they find an entry an agent's "do not call" disposition made for such a call.
// Text no import keeps as a number (no digit in it, too long) is still refused as invalid_phone.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { accountList, addDncNumbers } from "../../src/store/dnc.ts";
import { dialects } from "../helpers/stores.ts";
import { type ApiFixture, apiFixture, createCampaignViaApi, errorOf } from "./helpers.ts";

/** Not a valid NANP number (exchange 055): kept as written under phone_policy=flag. */
const FLAGGED = "+1 212 055 0100";

for (const dialect of dialects()) {
  describe(`do-not-call entries for numbers kept as written [${dialect.name}]`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(dialect.open);
    });
    after(() => f.close());
    beforeEach(() => f.store.db.deleteFrom("dnc_numbers").execute());

    const add = (payload: object) => f.call({ method: "POST", url: "/v1/dnc", payload });
    const listed = async () =>
      ((await f.call({ method: "GET", url: "/v1/dnc?limit=1000" })).json().data as { phone: string }[]).map(
        (e) => e.phone,
      );

    test("a flagged contact's number is listed as the text the contact holds, and is never dialed", async () => {
      const { id, listId } = await createCampaignViaApi(f, {
        name: "flagged",
        settings: { scenario: "all_human", calleeWindow: null, defaultZone: "America/New_York" },
      });
      const imp = await f.call({
        method: "POST",
        url: `/v1/campaigns/${id}/lists/${listId}/contacts`,
        payload: {
          phone_policy: "flag",
          default_country: "US",
          // Written with a control character and spaces around it; the other national, with the country.
          contacts: [{ phone: ` \u0007${FLAGGED}\t` }, { phone: "(212) 055-0101" }],
        },
      });
      assert.equal(imp.statusCode, 200, imp.body);
      assert.equal(imp.json().flagged, 2, imp.body);
      const held = (
        await f.store.db
          .selectFrom("contacts")
          .select("phones")
          .where("campaign_id", "=", id)
          .orderBy("id")
          .execute()
      ).map((c) => (JSON.parse(c.phones) as string[])[0]);
      assert.deepEqual(held, [FLAGGED, "(212) 055-0101"]);

      // Written otherwise dirty than the import's text: the same rule makes the same text of it.
      const numbers = [`\u0001 ${FLAGGED} `, { phone: "(212) 055-0101", reason: "asked on a call" }];
      // By default a number that is not valid is skipped and reported, as before.
      const skipped = await add({ numbers, default_country: "US" });
      assert.deepEqual([skipped.json().added, skipped.json().skipped], [0, 2], skipped.body);
      assert.equal(skipped.json().errors[0].code, "invalid_phone");
      const res = await add({ numbers, default_country: "US", phone_policy: "flag" });
      assert.equal(res.statusCode, 200, res.body);
      const { errors, ...counts } = res.json();
      assert.deepEqual(counts, {
        rows: 2,
        added: 2,
        flagged: 2,
        already_listed: 0,
        skipped: 0,
        errors_truncated: false,
      });
      // Each is said to be listed as written, as an import reports a phone it keeps flagged.
      assert.deepEqual(
        errors.map((e: { row: number; code: string; message: string }) => [
          e.row,
          e.code,
          /listed as written$/.test(e.message),
        ]),
        [
          [1, "invalid_phone", true],
          [2, "invalid_phone", true],
        ],
      );
      assert.deepEqual(await listed(), held);
      // Adding it again is a refresh, as for any listed number.
      assert.deepEqual((await add({ numbers: [FLAGGED], phone_policy: "flag" })).json().already_listed, 1);

      assert.equal((await f.call({ method: "POST", url: `/v1/campaigns/${id}/start` })).statusCode, 200);
      const statuses = async () =>
        (
          await f.store.db.selectFrom("contacts").select("status").where("campaign_id", "=", id).execute()
        ).map((c) => c.status);
      for (let i = 0; i < 300 && !(await statuses()).every((s) => s === "suppressed"); i++) {
        await f.clock.run({ until: f.clock.now() + 1000 });
        await new Promise((r) => setTimeout(r, 2));
      }
      assert.deepEqual(await statuses(), ["suppressed", "suppressed"]);
      const dialed = await f.store.db
        .selectFrom("attempts")
        .select("phone")
        .where("campaign_id", "=", id)
        .execute();
      assert.deepEqual(dialed, []);
    });

    test("an entry made for a flagged call is read and taken off by its text, URL-encoded", async () => {
      // What an agent's "do not call" disposition writes for a call to a flagged contact (desk.ts).
      const agentEntry = { source: "agent", reason: "agent 1, disposition: refused", expiresAt: null };
      await addDncNumbers(
        f.store,
        accountList(f.accountId),
        [
          { phone: FLAGGED, ...agentEntry },
          { phone: "212/055-0102", ...agentEntry },
        ],
        f.clock.now(),
      );
      for (const phone of [FLAGGED, "212/055-0102"]) {
        const url = `/v1/dnc/${encodeURIComponent(phone)}`;
        const got = await f.call({ method: "GET", url });
        assert.equal(got.statusCode, 200, `${phone}: ${got.body}`);
        assert.deepEqual([got.json().phone, got.json().source], [phone, "agent"]);
        const del = await f.call({ method: "DELETE", url });
        assert.equal(del.statusCode, 204, `${phone}: ${del.body}`);
        const gone = await f.call({ method: "GET", url });
        assert.deepEqual([gone.statusCode, errorOf(gone).code], [404, "not_found"]);
        assert.equal((await f.call({ method: "DELETE", url })).statusCode, 404);
      }
      assert.deepEqual(await listed(), []);
    });

    test("digits alone in the path find a number listed as written with or without its +", async () => {
      const res = await add({ numbers: ["+12120550100", "12120550101"], phone_policy: "flag" });
      assert.deepEqual([res.json().added, res.json().skipped], [2, 0], res.body);
      assert.deepEqual(await listed(), ["+12120550100", "12120550101"]);
      assert.equal(
        (await f.call({ method: "GET", url: "/v1/dnc/12120550100" })).json().phone,
        "+12120550100",
      );
      assert.equal((await f.call({ method: "GET", url: "/v1/dnc/12120550101" })).json().phone, "12120550101");
      assert.equal((await f.call({ method: "DELETE", url: "/v1/dnc/12120550100" })).statusCode, 204);
      assert.equal((await f.call({ method: "DELETE", url: "/v1/dnc/12120550101" })).statusCode, 204);
      assert.deepEqual(await listed(), []);
      // A valid number is still found by its E.164 form however the path writes it.
      await add({ numbers: ["+12125550100"] });
      for (const path of ["12125550100", "%2B12125550100", "%2B1%20(212)%20555-0100"]) {
        assert.equal(
          (await f.call({ method: "GET", url: `/v1/dnc/${path}` })).json().phone,
          "+12125550100",
          path,
        );
      }
    });

    test("text no import keeps as a number is still refused as invalid_phone", async () => {
      const res = await add({ numbers: ["nope", "---", "\u0001\u0002", " ", FLAGGED], phone_policy: "flag" });
      assert.equal(res.statusCode, 200, res.body);
      const report = res.json();
      assert.deepEqual([report.rows, report.added, report.flagged, report.skipped], [5, 1, 1, 4]);
      assert.deepEqual(
        report.errors.map((e: { row: number; code: string }) => [e.row, e.code]),
        [
          [1, "invalid_phone"],
          [2, "invalid_phone"],
          [3, "invalid_phone"],
          [4, "invalid_phone"],
          [5, "invalid_phone"],
        ],
      );
      assert.deepEqual(await listed(), [FLAGGED]);

      const rejected = await add({ numbers: ["+12125550100", "+1 212 055 0101"], phone_policy: "reject" });
      assert.deepEqual(
        [rejected.statusCode, errorOf(rejected).code, errorOf(rejected).field],
        [400, "invalid_phone", "body.numbers[1]"],
      );
      assert.deepEqual(await listed(), [FLAGGED], "a refused request writes nothing");

      // A CSV cell longer than an import keeps as written (64 characters).
      const long = `+1 212 055 0100 ${"x".repeat(60)}`;
      const csv = await f.call({
        method: "POST",
        url: "/v1/dnc/import?phone_policy=flag",
        headers: { "content-type": "text/csv" },
        payload: `phone\n${long}\n+1 212 055 0102\nnone\n`,
      });
      assert.equal(csv.statusCode, 200, csv.body);
      assert.deepEqual(
        csv.json().errors.map((e: { row: number; code: string; message: string }) => [e.row, e.code]),
        [
          [1, "invalid_phone"],
          [2, "invalid_phone"],
          [3, "invalid_phone"],
        ],
      );
      assert.match(csv.json().errors[0].message, /too long to keep as written/);
      assert.deepEqual(await listed(), [FLAGGED, "+1 212 055 0102"]);

      const bad = await f.call({ method: "GET", url: "/v1/dnc/hello" });
      assert.deepEqual([bad.statusCode, errorOf(bad).field], [400, "params.phone"]);
    });

    test("digits that are one entry's E.164 form and another's text as written name neither: 409", async () => {
      assert.equal((await add({ numbers: ["+79161234567"] })).json().added, 1);
      assert.equal((await add({ numbers: ["79161234567"], phone_policy: "flag" })).json().flagged, 1);
      for (const method of ["GET", "DELETE"] as const) {
        const res = await f.call({ method, url: "/v1/dnc/79161234567" });
        assert.deepEqual(
          [res.statusCode, errorOf(res).code, errorOf(res).field],
          [409, "ambiguous_phone", "params.phone"],
        );
      }
      assert.deepEqual(await listed(), ["+79161234567", "79161234567"], "nothing taken off on a guess");
      const written = await f.call({ method: "GET", url: "/v1/dnc/79161234567?as_written=true" });
      assert.equal(written.json().phone, "79161234567");
      assert.equal(
        (await f.call({ method: "DELETE", url: "/v1/dnc/79161234567?as_written=true" })).statusCode,
        204,
      );
      assert.deepEqual(await listed(), ["+79161234567"], "the person's opt-out stays");
      assert.equal(
        (await f.call({ method: "GET", url: "/v1/dnc/79161234567" })).json().phone,
        "+79161234567",
      );
      assert.equal((await f.call({ method: "DELETE", url: "/v1/dnc/%2B79161234567" })).statusCode, 204);
      assert.deepEqual(await listed(), []);
    });
  });
}
