// Xcally face: duplicate checks and links decided on a prior SELECT.
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { after, before, describe, test } from "node:test";
import { importCsv } from "../../src/lists/import.ts";
import { type ApiFixture, apiFixture } from "../api/helpers.ts";
import { dialects } from "../helpers/stores.ts";

const QUEUE = {
  type: "outbound",
  name: "Q",
  dialCheckDuplicateType: "always",
  dialGlobalInterval: "00:00-24:00,*,*,*",
};

for (const d of dialects()) {
  describe(`xcally races (${d.name})`, () => {
    let f: ApiFixture;
    let auth: string;
    before(async () => {
      f = await apiFixture(() => d.open());
      const u = await f.call({
        method: "POST",
        url: "/v1/users",
        payload: { username: "xadmin", password: "correct horse battery", role: "admin" },
      });
      assert.equal(u.statusCode, 201, u.body);
      auth = `Basic ${Buffer.from("xadmin:correct horse battery").toString("base64")}`;
    });
    after(() => f.close());
    const x = (method: string, url: string, payload?: unknown) =>
      f.call({
        method: method as "GET",
        url,
        key: null,
        headers: { authorization: auth },
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
    const phonesOf = async (campaignId: number) =>
      (
        await f.store.db
          .selectFrom("contacts")
          .select("phone")
          .where("campaign_id", "=", campaignId)
          .execute()
      ).map((r) => r.phone);

    test("dialCheckDuplicateType=always: the same phone added twice at once to a linked list is copied into the queue once", async () => {
      const bad: string[] = [];
      for (let round = 0; round < 15; round++) {
        const list = (await x("POST", "/api/cm/lists", { name: `l${round}` })).json().id;
        const q = (await x("POST", "/api/voice/queues", { ...QUEUE, name: `q${round}` })).json().id;
        const link = await x("POST", `/api/voice/queues/${q}/lists`, { ids: [list] });
        assert.equal(link.statusCode, 200, link.body);
        const phone = `+1415555${String(1000 + round)}`;
        const [a, b] = await Promise.all([
          x("POST", "/api/cm/contacts", { phone, ListId: list }),
          x("POST", "/api/cm/contacts", { phone, ListId: list }),
        ]);
        assert.equal(a.statusCode, 201, a.body);
        assert.equal(b.statusCode, 201, b.body);
        const phones = await phonesOf(q);
        if (phones.length !== 1)
          bad.push(`round ${round}: queue ${q} holds ${phones.length} contacts for ${phone}`);
      }
      assert.deepEqual(bad, []);
    });

    test("the same list linked to a queue by two requests at once: both 200, contacts copied once", async () => {
      const bad: string[] = [];
      for (let round = 0; round < 15; round++) {
        const list = (await x("POST", "/api/cm/lists", { name: `m${round}` })).json().id;
        await x("POST", `/api/cm/lists/${list}/contacts`, [
          { phone: "+14155550001" },
          { phone: "+14155550002" },
        ]);
        const q = (await x("POST", "/api/voice/queues", { ...QUEUE, name: `r${round}` })).json().id;
        const [a, b] = await Promise.all([
          x("POST", `/api/voice/queues/${q}/lists`, { ids: [list] }),
          x("POST", `/api/voice/queues/${q}/lists`, { ids: [list] }),
        ]);
        const phones = await phonesOf(q);
        if (a.statusCode !== 200 || b.statusCode !== 200 || phones.length !== 2)
          bad.push(
            `round ${round}: ${a.statusCode}/${b.statusCode} ${a.statusCode !== 200 ? a.body : b.statusCode !== 200 ? b.body : ""} contacts=${phones.length}`,
          );
      }
      assert.deepEqual(bad, []);
    });

    test("dialCheckDuplicateType=always: an Xcally add during a /v1 import of the same phone leaves one contact", async () => {
      const list = (await x("POST", "/api/cm/lists", { name: "during-import" })).json().id;
      const q = (await x("POST", "/api/voice/queues", { ...QUEUE, name: "during-import" })).json().id;
      const link = await x("POST", `/api/voice/queues/${q}/lists`, { ids: [list] });
      assert.equal(link.statusCode, 200, link.body);
      const native = await f.call({
        method: "POST",
        url: `/v1/campaigns/${q}/lists`,
        payload: { name: "n" },
      });
      assert.equal(native.statusCode, 201, native.body);
      const phone = "+14155562000";
      const upload = new PassThrough();
      upload.write(`phone\n${phone}\n`);
      const imported = importCsv(
        f.store,
        { accountId: f.accountId, campaignId: q, listId: native.json().id },
        upload,
      );
      await new Promise((r) => setTimeout(r, 300)); // the import has begun and holds its locks
      let added = false;
      const add = x("POST", "/api/cm/contacts", { phone, ListId: list }).then((r) => {
        added = true;
        return r;
      });
      await new Promise((r) => setTimeout(r, 400));
      // On PostgreSQL the copy waits for the import's commit: had it gone first, each would have read the
      // other's phone as missing (on SQLite the import re-checks under the write lock instead).
      if (d.name === "postgres") assert.equal(added, false, "the Xcally copy ran beside an open import");
      upload.end();
      await imported;
      const res = await add;
      assert.equal(res.statusCode, 201, res.body);
      assert.deepEqual(await phonesOf(q), [phone]);
    });

    test("the same agent linked to a list by two requests at once: both 200", async () => {
      const agent = (await f.call({ method: "POST", url: "/v1/agents", payload: { name: "ag" } })).json().id;
      const bad: string[] = [];
      for (let round = 0; round < 15; round++) {
        const list = (await x("POST", "/api/cm/lists", { name: `n${round}` })).json().id;
        const [a, b] = await Promise.all([
          x("POST", `/api/cm/lists/${list}/users`, { ids: [agent] }),
          x("POST", `/api/cm/lists/${list}/users`, { ids: [agent], penalty: 5 }),
        ]);
        for (const r of [a, b])
          if (r.statusCode !== 200) bad.push(`round ${round}: ${r.statusCode} ${r.body}`);
      }
      assert.deepEqual(bad, []);
    });
  });
}
