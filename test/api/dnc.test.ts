// The do-not-call API through the whole app on each store dialect: JSON adds with a per-item report, CSV
// imports in other encodings with a per-row report, the limits (413) and validation errors (400) that
// write nothing, listing with paging and a phone filter, the check, removal, lapsed entries, accounts
// that never see each other's list, and campaigns' own lists beside the account's.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import iconv from "iconv-lite";
import { DNC_LIMITS } from "../../src/api/native/dnc-input.ts";
import { dialects } from "../helpers/stores.ts";
import { type ApiFixture, apiFixture, createCampaignViaApi, errorOf } from "./helpers.ts";

interface Entry {
  id: number;
  phone: string;
  campaign_id: number | null;
  source: string;
  reason: string | null;
  created_at: string;
  expires_at: string | null;
}

for (const dialect of dialects()) {
  describe(`do-not-call API [${dialect.name}]`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(dialect.open);
    });
    after(() => f.close());
    beforeEach(() => f.store.db.deleteFrom("dnc_numbers").execute());

    const add = (payload: object, key?: string) => f.call({ method: "POST", url: "/v1/dnc", payload, key });
    const csv = (body: string | Buffer, query = "", key?: string) =>
      f.call({
        method: "POST",
        url: `/v1/dnc/import${query}`,
        headers: { "content-type": "text/csv" },
        payload: body,
        key,
      });
    const phones = async (key?: string) =>
      ((await f.call({ method: "GET", url: "/v1/dnc?limit=1000", key })).json().data as Entry[]).map(
        (e) => e.phone,
      );

    test("POST /v1/dnc normalizes, reports each skipped item, and is idempotent", async () => {
      const payload = {
        numbers: [
          "+1 (212) 555-0100",
          { phone: "212 555 0101", reason: "lawyer's letter" },
          "12345",
          "+12125550100",
        ],
        source: "crm-optouts",
        reason: "asked on a call",
        default_country: "US",
      };
      const res = await add(payload);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), {
        rows: 4,
        added: 2,
        already_listed: 0,
        skipped: 2,
        errors: [
          {
            row: 3,
            field: "body.numbers[2]",
            code: "invalid_phone",
            message: "not a valid US phone number",
            value: "12345",
          },
          {
            row: 4,
            field: "body.numbers[3]",
            code: "duplicate",
            message:
              "+12125550100 is already in row 1 of this request: listed once, with this row's reason, until the later of the two expiries",
            value: "+12125550100",
          },
        ],
        errors_truncated: false,
      });
      const entry = (await f.call({ method: "GET", url: "/v1/dnc/+12125550101" })).json() as Entry;
      assert.deepEqual(
        { phone: entry.phone, source: entry.source, reason: entry.reason, expires_at: entry.expires_at },
        { phone: "+12125550101", source: "crm-optouts", reason: "lawyer's letter", expires_at: null },
      );
      assert.equal(entry.created_at, new Date(f.clock.now()).toISOString());

      const again = (await add({ numbers: ["+12125550100", "+12125550101"], reason: "again" })).json();
      assert.deepEqual([again.added, again.already_listed], [0, 2]);
      assert.deepEqual(await phones(), ["+12125550100", "+12125550101"]);
      const refreshed = (await f.call({ method: "GET", url: "/v1/dnc/12125550101" })).json() as Entry;
      assert.deepEqual([refreshed.id, refreshed.source, refreshed.reason], [entry.id, "api", "again"]);
    });

    test("an invalid body, a rejected number or too many numbers writes nothing", async () => {
      const cases: [object, number, string, string?][] = [
        [{}, 400, "invalid_request", "body.numbers"],
        [{ numbers: [] }, 400, "invalid_request", "body.numbers"],
        [{ numbers: [42] }, 400, "invalid_request", "body.numbers[0]"],
        [{ numbers: ["+12125550100"], colour: "red" }, 400, "invalid_request", "body.colour"],
        [{ numbers: ["+12125550100"], default_country: "XX" }, 400, "invalid_option", "body.default_country"],
        [
          { numbers: ["+12125550100"], expires_at: "2020-01-01T00:00:00Z" },
          400,
          "invalid_request",
          "body.expires_at",
        ],
        [
          { numbers: ["+12125550100", "nope"], phone_policy: "reject" },
          400,
          "invalid_phone",
          "body.numbers[1]",
        ],
        [
          {
            numbers: ["+12125550100", { phone: "+12125550101", expires_at: "2020-01-01T00:00:00Z" }],
            phone_policy: "reject",
          },
          400,
          "invalid_expires_at",
          "body.numbers[1].expires_at",
        ],
        [
          {
            numbers: Array.from(
              { length: DNC_LIMITS.maxNumbers + 1 },
              (_, i) => `+1212555${String(i).padStart(4, "0")}`,
            ),
          },
          413,
          "too_many_numbers",
          "body.numbers",
        ],
      ];
      for (const [payload, status, code, field] of cases) {
        const res = await add(payload);
        assert.equal(res.statusCode, status, `${JSON.stringify(payload).slice(0, 80)} → ${res.body}`);
        assert.deepEqual([errorOf(res).code, errorOf(res).field], [code, field]);
      }
      const rejected = errorOf(await add({ numbers: ["+12125550100", "nope"], phone_policy: "reject" }));
      assert.match(rejected.message, /^nope: .*\(row 2\)$/);
      // An error inside an object item names that field and what is wrong with it.
      const itemCases: [object, string, RegExp][] = [
        [{ phone: "+12125550101", expires_at: "tomorrow" }, "body.numbers[1].expires_at", /date-time/],
        [{ phone: "+12125550101", reason: "r".repeat(501) }, "body.numbers[1].reason", /500/],
        [{ phone: 12125550101 }, "body.numbers[1].phone", /string/],
        [{ phone: "+12125550101", reasn: "typo" }, "body.numbers[1].reasn", /not a known property/],
        [{ reason: "no phone" }, "body.numbers[1].phone", /required/],
      ];
      for (const [item, field, message] of itemCases) {
        const res = await add({ numbers: ["+12125550100", item] });
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(errorOf(res).field, field, res.body);
        assert.match(errorOf(res).message, message);
      }
      const leap = await add({ numbers: ["+12125550100"], expires_at: "2099-12-31T23:59:60Z" });
      assert.deepEqual([leap.statusCode, errorOf(leap).field], [400, "body.expires_at"]);
      assert.match(errorOf(leap).message, /not a date-time/);
      assert.deepEqual(await phones(), []);
    });

    test("POST /v1/dnc/import: columns with no name in the header row are no columns (not a duplicate)", async () => {
      const res = await csv("phone,note,,\n+14155550100,a,,\n+14155550101,,,\n");
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().added, 2);
      assert.deepEqual((await phones()).sort(), ["+14155550100", "+14155550101"]);
    });

    test("POST /v1/dnc/import reads a windows-1251 file with ';' and reports the rows it skipped", async () => {
      const file = iconv.encode(
        [
          "Имя;Телефон;Заметка",
          "Анна;+7 916 123-45-67;жалоба",
          "Борис;8 (916) 123-45-68;",
          "Вера;;нет номера",
          "Глеб;не номер;",
          "Дина;+79161234567;повтор",
        ].join("\r\n"),
        "windows-1251",
      );
      const res = await csv(
        file,
        "?encoding=windows-1251&delimiter=;&phone_column=Телефон&default_country=RU&reason=complaint",
      );
      assert.equal(res.statusCode, 200, res.body);
      const report = res.json();
      assert.deepEqual([report.rows, report.added, report.already_listed, report.skipped], [5, 2, 0, 3]);
      assert.deepEqual(
        report.errors.map((e: { row: number; field: string; code: string }) => [e.row, e.field, e.code]),
        [
          [3, "Телефон", "missing_phone"],
          [4, "Телефон", "invalid_phone"],
          [5, "Телефон", "duplicate"],
        ],
      );
      assert.deepEqual(await phones(), ["+79161234567", "+79161234568"]);
      const entry = (await f.call({ method: "GET", url: "/v1/dnc/+79161234568" })).json() as Entry;
      assert.deepEqual([entry.source, entry.reason], ["csv", "complaint"]);
    });

    test("a multipart upload takes its source from the file name; a file without a header uses column 1", async () => {
      const boundary = "----dnc-test";
      const body = [
        `--${boundary}`,
        'Content-Disposition: form-data; name="file"; filename="optouts-may.csv"',
        "Content-Type: text/csv",
        "",
        "phone,name\n+12125550100,Ann\n",
        `--${boundary}--`,
        "",
      ].join("\r\n");
      const res = await f.call({
        method: "POST",
        url: "/v1/dnc/import",
        headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
        payload: body,
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(
        (await f.call({ method: "GET", url: "/v1/dnc/+12125550100" })).json().source,
        "optouts-may.csv",
      );
      // A file name is the client's to choose: it is kept to the 200 characters ?source= may have.
      const longName = `${"x".repeat(5000)}.csv`;
      const long = await f.call({
        method: "POST",
        url: "/v1/dnc/import",
        headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
        payload: body.replace("optouts-may.csv", longName).replace("+12125550100", "+12125550108"),
      });
      assert.equal(long.statusCode, 200, long.body);
      assert.equal(
        (await f.call({ method: "GET", url: "/v1/dnc/+12125550108" })).json().source,
        longName.slice(0, 200),
      );
      assert.equal((await f.call({ method: "DELETE", url: "/v1/dnc/+12125550108" })).statusCode, 204);
      // Nor can a NUL in it (which PostgreSQL refuses to store) fail the import: it is left out.
      const nul = await f.call({
        method: "POST",
        url: "/v1/dnc/import",
        headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
        payload: body
          .replace('filename="optouts-may.csv"', "filename*=UTF-8''opt%00outs.csv")
          .replace("+12125550100", "+12125550109"),
      });
      assert.equal(nul.statusCode, 200, nul.body);
      assert.equal(
        (await f.call({ method: "GET", url: "/v1/dnc/+12125550109" })).json().source,
        "optouts.csv",
      );
      assert.equal((await f.call({ method: "DELETE", url: "/v1/dnc/+12125550109" })).statusCode, 204);

      const big = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n${"1".repeat(DNC_LIMITS.maxBytes + 1)}\r\n--${boundary}--\r\n`;
      const tooBig = await f.call({
        method: "POST",
        url: "/v1/dnc/import",
        headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
        payload: big,
      });
      assert.deepEqual([tooBig.statusCode, errorOf(tooBig).code], [413, "payload_too_large"]);
      const wrongPart = await f.call({
        method: "POST",
        url: "/v1/dnc/import",
        headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
        payload: `--${boundary}\r\nContent-Disposition: form-data; name="upload"; filename="a.csv"\r\n\r\n+12125550103\r\n--${boundary}--\r\n`,
      });
      assert.deepEqual(
        [wrongPart.statusCode, errorOf(wrongPart).code, errorOf(wrongPart).field],
        [400, "missing_file", "file"],
      );
      // A second file part is refused, not ignored: nothing of the first is listed either.
      const filePartOf = (name: string, phone: string) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n\r\n${phone}\r\n`;
      const twoFiles = await f.call({
        method: "POST",
        url: "/v1/dnc/import?header=false",
        headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
        payload: `${filePartOf("a.csv", "+12125550103")}${filePartOf("b.csv", "+12125550104")}--${boundary}--\r\n`,
      });
      assert.deepEqual(
        [twoFiles.statusCode, errorOf(twoFiles).code, errorOf(twoFiles).field],
        [400, "multiple_files", "file"],
      );
      // Bodies the multipart parser cannot read are the client's error, not the server's.
      for (const [type, payload] of [
        ["multipart/form-data", "garbage"],
        [`multipart/form-data; boundary=${boundary}`, "garbage"],
        [
          `multipart/form-data; boundary=${boundary}`,
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nphone\n+12125550109`,
        ],
      ]) {
        const bad = await f.call({
          method: "POST",
          url: "/v1/dnc/import",
          headers: { "content-type": type },
          payload,
        });
        assert.deepEqual(
          [bad.statusCode, errorOf(bad).code, errorOf(bad).field],
          [400, "malformed_multipart", "file"],
          `${type}: ${bad.body}`,
        );
      }

      const bare = await csv("+12125550101,x\n+12125550102,y\n", "?header=false&source=bare");
      assert.deepEqual(bare.json().added, 2);
      assert.deepEqual(await phones(), ["+12125550100", "+12125550101", "+12125550102"]);
    });

    test("whole-file problems and limits answer 400 or 413 and write nothing", async () => {
      const rows = Array.from(
        { length: DNC_LIMITS.maxRows + 1 },
        (_, i) => `+1212${String(i).padStart(7, "0")}`,
      );
      const cases: [string | Buffer, string, number, string, string?][] = [
        [`phone\n${rows.join("\n")}\n`, "", 413, "too_many_rows"],
        [Buffer.alloc(DNC_LIMITS.maxBytes + 1, "1"), "", 413, "payload_too_large"],
        ['phone,name\n+12125550100,"Ann\n', "", 400, "malformed_csv"],
        // A row short of the phone column: no 500 (review32: the contacts' ragged rows reached it).
        ["name,phone\nBob,+12125550100\nAlice\n", "", 400, "malformed_csv"],
        [
          Buffer.from([0x70, 0x68, 0x6f, 0x6e, 0x65, 0x0a, 0xff, 0xfe, 0x0a]),
          "",
          400,
          "bad_encoding",
          "encoding",
        ],
        ["name,city\nAnn,Paris\n", "", 400, "missing_phone_column", "phone_column"],
        ["phone\n+12125550100\n", "?phone_column=Mobile", 400, "unknown_column", "phone_column"],
        ["phone\n+12125550100\n", "?encoding=klingon", 400, "unknown_encoding", "encoding"],
        ["phone\n+12125550100\nnope\n", "?phone_policy=reject", 400, "invalid_phone", "phone"],
        [
          "phone\n+12125550100\n",
          "?default_country=XX",
          400,
          "invalid_option",
          "querystring.default_country",
        ],
        ["phone\n+12125550100\n", "?header=maybe", 400, "invalid_request", "querystring.header"],
      ];
      for (const [body, query, status, code, field] of cases) {
        const res = await csv(body, query);
        assert.equal(res.statusCode, status, `${code}: ${res.body.slice(0, 200)}`);
        assert.equal(errorOf(res).code, code);
        if (field) assert.equal(errorOf(res).field, field);
      }
      const empty = await f.call({
        method: "POST",
        url: "/v1/dnc/import",
        headers: { "content-type": "text/csv" },
      });
      assert.deepEqual([empty.statusCode, errorOf(empty).code], [400, "missing_body"]);
      // A CSV sent under another type is told which types are taken, not that it sent nothing.
      for (const type of ["text/plain", "application/json"]) {
        const wrong = await f.call({
          method: "POST",
          url: "/v1/dnc/import",
          headers: { "content-type": type },
          payload: type === "application/json" ? '{"phone": "+12125550100"}' : "phone\n+12125550100\n",
        });
        assert.deepEqual([wrong.statusCode, errorOf(wrong).code], [415, "unsupported_media_type"], type);
        assert.equal(errorOf(wrong).field, "headers.content-type");
      }
      assert.deepEqual(await phones(), []);
    });

    test("GET /v1/dnc pages by id and filters by leading digits", async () => {
      await add({ numbers: ["+12125550100", "+442079460123", "+12125550101", "+13105550100"] });
      const page1 = (await f.call({ method: "GET", url: "/v1/dnc?limit=2" })).json();
      assert.deepEqual(
        page1.data.map((e: Entry) => e.phone),
        ["+12125550100", "+442079460123"],
      );
      const page2 = (
        await f.call({ method: "GET", url: `/v1/dnc?limit=2&after_id=${page1.next_after_id}` })
      ).json();
      assert.deepEqual(
        page2.data.map((e: Entry) => e.phone),
        ["+12125550101", "+13105550100"],
      );
      assert.equal(page2.next_after_id, null);
      for (const filter of ["%2B1212", "1212", "+1212"]) {
        const res = (await f.call({ method: "GET", url: `/v1/dnc?phone=${filter}` })).json();
        assert.deepEqual(
          res.data.map((e: Entry) => e.phone),
          ["+12125550100", "+12125550101"],
          filter,
        );
      }
      const bad = await f.call({ method: "GET", url: "/v1/dnc?phone=abc" });
      assert.deepEqual([bad.statusCode, errorOf(bad).field], [400, "querystring.phone"]);
    });

    test("GET and DELETE /v1/dnc/{phone}: 200/204 when listed, 404 when not, 400 for a non-number", async () => {
      await add({ numbers: ["+12125550100"] });
      assert.equal((await f.call({ method: "GET", url: "/v1/dnc/%2B12125550100" })).statusCode, 200);
      const missing = await f.call({ method: "GET", url: "/v1/dnc/+12125550199" });
      assert.deepEqual([missing.statusCode, errorOf(missing).code], [404, "not_found"]);
      const bad = await f.call({ method: "GET", url: "/v1/dnc/hello" });
      assert.deepEqual([bad.statusCode, errorOf(bad).field], [400, "params.phone"]);

      assert.equal((await f.call({ method: "DELETE", url: "/v1/dnc/12125550100" })).statusCode, 204);
      assert.equal((await f.call({ method: "GET", url: "/v1/dnc/+12125550100" })).statusCode, 404);
      assert.equal((await f.call({ method: "DELETE", url: "/v1/dnc/+12125550100" })).statusCode, 404);
    });

    test("an entry past its expires_at is no longer listed; adding it again lists it anew", async () => {
      const expires = new Date(f.clock.now() + 60_000).toISOString();
      await add({ numbers: ["+12125550100"], expires_at: expires });
      assert.equal((await f.call({ method: "GET", url: "/v1/dnc/+12125550100" })).json().expires_at, expires);
      await f.clock.advance(61_000);
      assert.equal((await f.call({ method: "GET", url: "/v1/dnc/+12125550100" })).statusCode, 404);
      assert.deepEqual(await phones(), []);
      const again = (await add({ numbers: ["+12125550100"] })).json();
      assert.deepEqual([again.added, again.already_listed], [1, 0]);
      const entry = (await f.call({ method: "GET", url: "/v1/dnc/+12125550100" })).json() as Entry;
      assert.deepEqual([entry.expires_at, entry.created_at], [null, new Date(f.clock.now()).toISOString()]);
    });

    test("each account sees and changes only its own list; reads need contacts:read, writes contacts:write", async () => {
      await add({ numbers: ["+12125550100"] });
      const other = await f.newAccount(`other-${Date.now()}`);
      assert.deepEqual(await phones(other.key), []);
      assert.equal(
        (await f.call({ method: "GET", url: "/v1/dnc/+12125550100", key: other.key })).statusCode,
        404,
      );
      assert.equal(
        (await f.call({ method: "DELETE", url: "/v1/dnc/+12125550100", key: other.key })).statusCode,
        404,
      );
      const theirs = (await add({ numbers: ["+12125550100"] }, other.key)).json();
      assert.deepEqual([theirs.added, theirs.already_listed], [1, 0]);
      assert.equal(
        (await f.call({ method: "DELETE", url: "/v1/dnc/+12125550100", key: other.key })).statusCode,
        204,
      );
      assert.deepEqual(await phones(), ["+12125550100"], "the first account's entry is untouched");

      const supervisor = await f.keyWithRole("supervisor");
      assert.deepEqual(await phones(supervisor), ["+12125550100"]);
      assert.equal((await add({ numbers: ["+12125550101"] }, supervisor)).statusCode, 403);
      assert.equal((await csv("phone\n+12125550101\n", "", supervisor)).statusCode, 403);
      const manager = await f.keyWithRole("call_list_manager");
      assert.equal((await csv("phone\n+12125550101\n", "", manager)).statusCode, 200);
      // Taking a number off is a compliance decision: not a call-list manager's, nor a supervisor's.
      for (const key of [manager, supervisor]) {
        const refused = await f.call({ method: "DELETE", url: "/v1/dnc/+12125550101", key });
        assert.equal(refused.statusCode, 403);
      }
      assert.deepEqual(await phones(), ["+12125550100", "+12125550101"]);
      const developer = await f.keyWithRole("developer");
      assert.equal(
        (await f.call({ method: "DELETE", url: "/v1/dnc/+12125550101", key: developer })).statusCode,
        204,
      );
    });

    test("adding a listed number again never shortens its listing", async () => {
      const inAMinute = new Date(f.clock.now() + 60_000).toISOString();
      const inADay = new Date(f.clock.now() + 86_400_000).toISOString();
      const entry = async (phone: string) =>
        ((await f.call({ method: "GET", url: `/v1/dnc/${phone}` })).json() as Entry).expires_at;
      await add({ numbers: ["+12125550100", { phone: "+12125550101", expires_at: inADay }] });
      const manager = await f.keyWithRole("call_list_manager");
      const shorter = await add(
        { numbers: ["+12125550100", "+12125550101"], expires_at: inAMinute },
        manager,
      );
      assert.deepEqual([shorter.statusCode, shorter.json().already_listed], [200, 2]);
      assert.deepEqual([await entry("+12125550100"), await entry("+12125550101")], [null, inADay]);
      await f.clock.advance(120_000);
      assert.deepEqual(await phones(), ["+12125550100", "+12125550101"], "both still listed");
      // A later expiry, or none, extends it.
      await add({
        numbers: [
          { phone: "+12125550101", expires_at: new Date(f.clock.now() + 2 * 86_400_000).toISOString() },
        ],
      });
      assert.equal(await entry("+12125550101"), new Date(f.clock.now() + 2 * 86_400_000).toISOString());
      await add({ numbers: ["+12125550101"] });
      assert.equal(await entry("+12125550101"), null);
    });

    // A CRM export holding a 30-day opt-out and a later permanent one for one person: the request kept the
    // first item only, and the number was dialed again after 30 days (dncbill10).
    test("a number twice in one request is listed as two requests would list it: the longer listing", async () => {
      const inADay = new Date(f.clock.now() + 86_400_000).toISOString();
      const inTwoDays = new Date(f.clock.now() + 2 * 86_400_000).toISOString();
      const res = await add({
        numbers: [
          { phone: "+12125550170", expires_at: inADay, reason: "not this month" },
          { phone: "+1 212 555 0170", expires_at: null, reason: "never call again" },
          { phone: "+12125550171", expires_at: inTwoDays, reason: "later" },
          { phone: "+12125550171", expires_at: inADay, reason: "sooner" },
        ],
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual([res.json().added, res.json().skipped], [2, 2]);
      const entry = async (phone: string) => {
        const e = (await f.call({ method: "GET", url: `/v1/dnc/${phone}` })).json() as Entry;
        return [e.expires_at, e.reason];
      };
      assert.deepEqual(await entry("+12125550170"), [null, "never call again"]);
      assert.deepEqual(await entry("+12125550171"), [inTwoDays, "sooner"]);
      await f.clock.advance(3 * 86_400_000);
      const listed = (await f.call({ method: "GET", url: "/v1/dnc/+12125550170" })).statusCode;
      assert.equal(listed, 200, "asked never to be called again: still listed");
    });

    test("a campaign's own list: kept apart from the account's, and only for the account's campaigns", async () => {
      const { id: campaignId } = await createCampaignViaApi(f, { name: `dnc-${Date.now()}` });
      const q = `?campaign_id=${campaignId}`;
      const own = await add({ numbers: ["+12125550100", "+12125550101"], campaign_id: campaignId });
      assert.equal(own.statusCode, 200, own.body);
      assert.equal(own.json().added, 2);
      const csvOwn = await csv("phone\n+12125550102\n", q);
      assert.equal(csvOwn.json().added, 1, csvOwn.body);
      // The account's list is another list: the same number is new there.
      assert.deepEqual(await phones(), []);
      assert.equal((await add({ numbers: ["+12125550100"] })).json().added, 1);
      const listed = (await f.call({ method: "GET", url: `/v1/dnc${q}&limit=10` })).json().data as Entry[];
      assert.deepEqual(
        listed.map((e) => [e.phone, e.campaign_id]),
        [
          ["+12125550100", campaignId],
          ["+12125550101", campaignId],
          ["+12125550102", campaignId],
        ],
      );
      const entry = await f.call({ method: "GET", url: `/v1/dnc/+12125550101${q}` });
      assert.equal(entry.json().campaign_id, campaignId);
      assert.equal((await f.call({ method: "GET", url: "/v1/dnc/+12125550101" })).statusCode, 404);
      assert.equal((await f.call({ method: "GET", url: "/v1/dnc/+12125550100" })).json().campaign_id, null);
      assert.equal((await f.call({ method: "DELETE", url: `/v1/dnc/+12125550100${q}` })).statusCode, 204);
      assert.equal(
        (await f.call({ method: "GET", url: "/v1/dnc/+12125550100" })).statusCode,
        200,
        "the account's entry stays",
      );

      const other = await f.newAccount(`campaign-owner-${Date.now()}`);
      const foreign = await add({ numbers: ["+12125550103"], campaign_id: campaignId }, other.key);
      assert.deepEqual([foreign.statusCode, errorOf(foreign).code], [404, "not_found"]);
      const none = await f.call({ method: "GET", url: `/v1/dnc${q}`, key: other.key });
      assert.equal(none.statusCode, 404, "another account's campaign");
      const bad = await f.call({ method: "GET", url: "/v1/dnc?campaign_id=0" });
      assert.equal(bad.statusCode, 400);
      assert.match(errorOf(bad).field ?? "", /campaign_id/);

      const gone = await f.call({ method: "DELETE", url: `/v1/campaigns/${campaignId}` });
      assert.ok(gone.statusCode < 300, gone.body);
      const left = await f.store.db
        .selectFrom("dnc_numbers")
        .select("phone")
        .where("campaign_id", "=", campaignId)
        .execute();
      assert.deepEqual(left, [], "a deleted campaign's list goes with it");
      assert.deepEqual(await phones(), ["+12125550100"], "the account's list stays");
    });
  });
}
