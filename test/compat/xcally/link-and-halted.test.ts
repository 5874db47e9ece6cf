// Linking an Xcally list to a queue, and a halted queue turned on (found by an audit, 2026-12-05): a copied
// contact's external_id was the bare Xcally id, which clashed with a client's own ids in the campaign (a
// 500, for good); a link whose copy failed stayed, so a retry copied nothing; dialActive: true on a halted
// queue answered 200 and did nothing; a dialGlobalInterval that never opens was refused in outdial's words.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { findCampaign } from "../../../src/store/campaigns.ts";
import { type ApiFixture, apiFixture } from "../../api/helpers.ts";
import { dialects } from "../../helpers/stores.ts";

const QUEUE = { type: "outbound", name: "Q", dialGlobalInterval: "00:00-24:00,*,*,*" };

for (const d of dialects()) {
  describe(`Xcally lists linked to queues, and halted queues [${d.name}]`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(() => d.open());
    });
    after(() => f.close());
    const x = (method: "GET" | "POST" | "PUT" | "PATCH", url: string, payload?: object | object[]) =>
      f.call({ method, url, ...(payload === undefined ? {} : { payload }) });
    const ok = async (
      method: "GET" | "POST" | "PUT" | "PATCH",
      url: string,
      payload: object | object[] | undefined,
      status: number,
    ) => {
      const res = await x(method, url, payload);
      assert.equal(res.statusCode, status, res.body);
      return res.json();
    };
    const campaignContacts = async (id: number) =>
      await f.store.db
        .selectFrom("contacts")
        .select(["phone", "external_id"])
        .where("campaign_id", "=", id)
        .orderBy("phone")
        .execute();

    test("a client's own external_id equal to an Xcally contact id clashes with nothing", async () => {
      const q = await ok("POST", "/api/voice/queues", { ...QUEUE, name: "ext", dialActive: false }, 201);
      const xl = await ok("POST", "/api/cm/lists", { name: "crm" }, 201);
      const [xc] = await ok("POST", `/api/cm/lists/${xl.id}/contacts`, [{ phone: "+14155550301" }], 201);
      // The same campaign fed through the native API too, with a CRM's small-integer ids.
      const nl = await ok("POST", `/v1/campaigns/${q.id}/lists`, { name: "native" }, 201);
      const next = (n: number) => String(xc.id + n);
      await ok(
        "POST",
        `/v1/campaigns/${q.id}/lists/${nl.id}/contacts`,
        { contacts: [0, 1].map((n) => ({ phone: `+1415555039${n}`, external_id: next(n) })) },
        200,
      );
      await ok("POST", `/api/voice/queues/${q.id}/lists`, { ids: [xl.id] }, 200);
      // A contact added to the linked list takes the next Xcally id, the client's second one.
      const added = await ok("POST", "/api/cm/contacts", { phone: "+14155550302", ListId: xl.id }, 201);
      assert.equal(String(added.id), next(1));
      assert.deepEqual(await campaignContacts(q.id), [
        { phone: "+14155550301", external_id: `xcally:${xc.id}` },
        { phone: "+14155550302", external_id: `xcally:${added.id}` },
        { phone: "+14155550390", external_id: next(0) },
        { phone: "+14155550391", external_id: next(1) },
      ]);
    });

    test("an external_id of the copies' own form already in the campaign makes that contact a duplicate", async () => {
      const q = await ok("POST", "/api/voice/queues", { ...QUEUE, name: "reimport", dialActive: false }, 201);
      const xl = await ok("POST", "/api/cm/lists", { name: "crm3" }, 201);
      const [xc] = await ok("POST", `/api/cm/lists/${xl.id}/contacts`, [{ phone: "+14155550601" }], 201);
      // A native import of another queue's export: its external_ids read "xcally:N".
      const nl = await ok("POST", `/v1/campaigns/${q.id}/lists`, { name: "re-import" }, 201);
      const reimported = { phone: "+14155550699", external_id: `xcally:${xc.id + 1}` };
      await ok("POST", `/v1/campaigns/${q.id}/lists/${nl.id}/contacts`, { contacts: [reimported] }, 200);
      await ok("POST", `/api/voice/queues/${q.id}/lists`, { ids: [xl.id] }, 200);
      const added = await ok("POST", "/api/cm/contacts", { phone: "+14155550602", ListId: xl.id }, 201);
      assert.equal(added.id, xc.id + 1);
      assert.deepEqual(await campaignContacts(q.id), [
        { phone: "+14155550601", external_id: `xcally:${xc.id}` },
        { phone: "+14155550699", external_id: `xcally:${xc.id + 1}` },
      ]);
    });

    test("a link whose copy fails is not kept: the client's retry copies the list", async () => {
      const q = await ok("POST", "/api/voice/queues", { ...QUEUE, name: "retry", dialActive: false }, 201);
      const list = await ok("POST", "/api/cm/lists", { name: "retry" }, 201);
      const bad = "+14155550402";
      await ok("POST", `/api/cm/lists/${list.id}/contacts`, [{ phone: "+14155550401" }, { phone: bad }], 201);
      // A failure while copying (a trigger standing in for any database error).
      if (d.name === "sqlite") {
        await sql`CREATE TRIGGER refuse_copy BEFORE INSERT ON contacts WHEN NEW.phone = ${sql.lit(bad)}
          BEGIN SELECT RAISE(ABORT, 'refused'); END`.execute(f.store.db);
      } else {
        await sql`CREATE FUNCTION refuse_copy() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
          IF NEW.phone = ${sql.lit(bad)} THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$`.execute(
          f.store.db,
        );
        await sql`CREATE TRIGGER refuse_copy BEFORE INSERT ON contacts FOR EACH ROW EXECUTE FUNCTION refuse_copy()`.execute(
          f.store.db,
        );
      }
      const first = await x("POST", `/api/voice/queues/${q.id}/lists`, { ids: [list.id] });
      assert.equal(first.statusCode, 500, first.body);
      await sql`DROP TRIGGER refuse_copy${sql.raw(d.name === "sqlite" ? "" : " ON contacts")}`.execute(
        f.store.db,
      );
      assert.equal((await campaignContacts(q.id)).length, 0, "nothing of the failed copy");
      const retry = await ok("POST", `/api/voice/queues/${q.id}/lists`, { ids: [list.id] }, 200);
      assert.equal(retry.contactsAdded, 2, JSON.stringify(retry));
      assert.equal((await campaignContacts(q.id)).length, 2);
    });

    test("dialActive: true recovers a queue halted at its lifetime, which counts again", async () => {
      const q = await ok("POST", "/api/voice/queues", { ...QUEUE, name: "halted" }, 201);
      await ok("PATCH", `/v1/campaigns/${q.id}`, { settings: { lifetimeSec: 60 } }, 200);
      const status = async () => (await findCampaign(f.store.db, f.accountId, q.id))?.status;
      for (let i = 0; i < 100 && (await status()) !== "halted"; i++) {
        await f.clock.advance(10_000);
        await new Promise((r) => setTimeout(r, 5));
      }
      assert.equal((await ok("GET", `/api/voice/queues/${q.id}`, undefined, 200)).status, "halted");
      const put = await ok("PUT", `/api/voice/queues/${q.id}`, { dialActive: true }, 200);
      assert.equal(put.dialActive, true);
      assert.equal(put.status, "running");
    });

    test("a dialGlobalInterval that never opens is refused in the queue's own terms", async () => {
      const res = await x("POST", "/api/voice/queues", {
        ...QUEUE,
        dialGlobalInterval: "09:00-18:00,*,31,feb",
      });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error.field, "dialGlobalInterval");
      assert.doesNotMatch(res.json().error.message, /settings\./);
    });
  });
}
