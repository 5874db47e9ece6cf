// Audit xcally11: a queue switched off with PUT dialActive: false and then started, resumed or recovered
// without the face (POST /v1/campaigns/{id}/resume, start, recover, or the dashboard) ran, but its stored
// switch still said false: once it ran dry (completed) a read said dialActive: false, and contacts added to
// its linked lists were never dialed (dialAgain took it for switched off), where the README says a
// completed queue with its switch on dials what its lists are given. The switch now keeps the time it was
// set off (dial-switch.ts): a queue that finished after that time has been started since, whoever did it.
// One switched off once completed stays off, a body cannot set that time, and a pause that loses to the
// queue running dry still leaves it off. The dialing cases need dial-again.ts to judge the switch with
// queueSwitchedOff (dialAgain, and the engine's face-add recovery's bringsBackOnAdd).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { findOrCreateList } from "../../../src/api/compat/named-list.ts";
import { SWITCHED_OFF_AT } from "../../../src/api/compat/xcally/dial-switch.ts";
import { withDefaults } from "../../../src/model/campaign-settings.ts";
import { insertCampaign } from "../../../src/store/campaigns.ts";
import { insertContacts } from "../../../src/store/contacts-insert.ts";
import { dialects } from "../../helpers/stores.ts";
import { type Twin24Fixture, twin24Fixture } from "../twin24/helpers.ts";

const MINUTE = 60_000;
// biome-ignore lint/suspicious/noExplicitAny: tests read whatever the route answered
type Ok = (method: string, url: string, payload?: unknown, status?: number) => Promise<any>;

for (const d of dialects()) {
  describe(`xcally: dialActive after a start the face did not make (${d.name})`, () => {
    async function withFixture(fn: (f: Twin24Fixture, ok: Ok) => Promise<void>): Promise<void> {
      const f = await twin24Fixture({ scenario: "all_human", openStore: d.open });
      const ok: Ok = async (method, url, payload, status = 200) => {
        const r = await f.call({
          method: method as "POST",
          url,
          ...(payload === undefined ? {} : { payload: payload as object }),
        });
        assert.equal(r.statusCode, status, r.body);
        return r.statusCode === 204 ? null : r.json();
      };
      try {
        await fn(f, ok);
      } finally {
        await f.close();
      }
    }
    const called = async (f: Twin24Fixture, id: number) =>
      (await f.store.db.selectFrom("attempts").select("phone").where("campaign_id", "=", id).execute())
        .map((a) => a.phone)
        .sort();

    /** A queue switched off with a list of one contact linked, then `restart` through /v1, run dry. */
    async function offThenRanDry(f: Twin24Fixture, ok: Ok, restart: "resume" | "start") {
      const q = await ok("POST", "/api/voice/queues", { name: "Q", type: "outbound" }, 201);
      const list = await ok("POST", "/api/cm/lists", { name: "L" }, 201);
      await ok("POST", `/api/cm/lists/${list.id}/contacts`, [{ phone: "+14155550100" }], 201);
      await ok("PUT", `/api/voice/queues/${q.id}`, { dialActive: false });
      if (restart === "start") await ok("POST", `/v1/campaigns/${q.id}/stop`);
      await ok("POST", `/api/voice/queues/${q.id}/lists`, { ids: [list.id] });
      await ok("POST", `/v1/campaigns/${q.id}/${restart}`);
      assert.equal((await ok("GET", `/api/voice/queues/${q.id}`)).dialActive, true);
      await f.run(10 * MINUTE);
      return { q, list };
    }

    for (const restart of ["resume", "start"] as const)
      test(`switched off, then /v1 ${restart}: run dry, it reads dialActive true`, () =>
        withFixture(async (f, ok) => {
          const { q } = await offThenRanDry(f, ok, restart);
          const read = await ok("GET", `/api/voice/queues/${q.id}`);
          assert.deepEqual([read.status, read.dialActive], ["completed", true]);
          assert.equal(read[SWITCHED_OFF_AT], undefined, "the switch's time is the face's own, not shown");
        }));

    test("switched off, then /v1 resume: run dry, it dials what its list is given", () =>
      withFixture(async (f, ok) => {
        const { q, list } = await offThenRanDry(f, ok, "resume");
        await ok("POST", `/api/cm/lists/${list.id}/contacts`, [{ phone: "+14155550101" }], 201);
        await f.run(10 * MINUTE);
        assert.deepEqual(await called(f, q.id), ["+14155550100", "+14155550101"]);
      }));

    test("switched off once completed: it stays off until started again, a body's switch time notwithstanding", () =>
      withFixture(async (f, ok) => {
        const { q, list } = await offThenRanDry(f, ok, "resume");
        await ok("PUT", `/api/voice/queues/${q.id}`, { dialActive: false });
        // A client cannot date the switch before the queue ran dry (which would read as started since).
        await ok("PUT", `/api/voice/queues/${q.id}`, { name: "Q2", [SWITCHED_OFF_AT]: 0 });
        assert.equal((await ok("GET", `/api/voice/queues/${q.id}`)).dialActive, false);
        await ok("POST", `/api/cm/lists/${list.id}/contacts`, [{ phone: "+14155550101" }], 201);
        await f.run(10 * MINUTE);
        assert.deepEqual(await called(f, q.id), ["+14155550100"], "a switched-off queue is not brought back");
        // /v1 recover dials the new contact; run dry again, the queue is on.
        await ok("POST", `/v1/campaigns/${q.id}/recover`);
        await f.run(10 * MINUTE);
        assert.deepEqual(await called(f, q.id), ["+14155550100", "+14155550101"]);
        const read = await ok("GET", `/api/voice/queues/${q.id}`);
        assert.deepEqual([read.status, read.dialActive], ["completed", true]);
      }));

    test("a pause that loses to the queue running dry leaves it switched off", () =>
      withFixture(async (f, ok) => {
        const q = await ok("POST", "/api/voice/queues", { name: "Q", type: "outbound" }, 201);
        const list = await ok("POST", "/api/cm/lists", { name: "L" }, 201);
        await ok("POST", `/api/cm/lists/${list.id}/contacts`, [{ phone: "+14155550100" }], 201);
        await ok("POST", `/api/voice/queues/${q.id}/lists`, { ids: [list.id] });
        // The queue dials its last contact and completes between the PUT's edit and its pause.
        const pause = f.engine.pause.bind(f.engine);
        f.engine.pause = async (accountId, id) => {
          f.engine.pause = pause;
          await f.run(10 * MINUTE);
          return pause(accountId, id);
        };
        await ok("PUT", `/api/voice/queues/${q.id}`, { dialActive: false });
        const read = await ok("GET", `/api/voice/queues/${q.id}`);
        assert.deepEqual([read.status, read.dialActive], ["completed", false]);
      }));

    test("after a restart, a completed queue given contacts comes back unless switched off since it ran", () =>
      withFixture(async (f, ok) => {
        const now = f.clock.now();
        /** A queue switched off at `offAt` that completed a minute ago, then got a contact (no dialAgain). */
        const queue = async (name: string, offAt: number, phone: string) => {
          const xcally = { name, type: "outbound", dialActive: false, [SWITCHED_OFF_AT]: offAt };
          const { id } = await insertCampaign(f.store.db, {
            accountId: f.accountId,
            name,
            settings: withDefaults({ vendor: { xcally } }),
            now: now - 10 * MINUTE,
          });
          await f.store.db
            .updateTable("campaigns")
            .set({ status: "completed", started_at: now - 10 * MINUTE, finished_at: now - MINUTE })
            .where("id", "=", id)
            .execute();
          const target = { accountId: f.accountId, campaignId: id, now };
          const added = await findOrCreateList(f.store, { ...target, name: "added" });
          await insertContacts(f.store.db, { ...target, listId: added.id }, [{ phones: [phone] }]);
          return id;
        };
        const resumed = await queue("resumed since", now - 5 * MINUTE, "+14155550101");
        const off = await queue("off since", now, "+14155550102");
        assert.equal(await f.engine.recoverFaceAdds(), 1);
        await f.run(10 * MINUTE);
        assert.deepEqual(await called(f, resumed), ["+14155550101"]);
        assert.deepEqual(await called(f, off), []);
        assert.equal((await ok("GET", `/api/voice/queues/${off}`)).dialActive, false);
      }));
  });
}
