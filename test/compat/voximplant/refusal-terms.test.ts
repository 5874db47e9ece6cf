// The engine's refusals of a call list's start or recover reach the Voximplant client in its own terms:
// {"error": {"code", "msg"}} naming "Call list <list_id>", never "campaign <id>", and no advice naming
// outdial settings (endAt, lifetimeSec) or routes that no call list method has.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { dialects } from "../../helpers/stores.ts";
import { listFields, type VoxFixture, voxFixture } from "./helpers.ts";

const HOUR = 3_600_000;

for (const d of dialects())
  describe(`Voximplant refusals in call list terms (${d.name})`, () => {
    let f: VoxFixture;
    before(async () => {
      f = await voxFixture({ store: () => d.open() });
    });
    after(() => f.close());

    const setEndAt = async (id: number, endAt: number) => {
      const res = await f.call({
        method: "PATCH",
        url: `/v1/campaigns/${id}`,
        payload: { settings: { endAt } },
      });
      assert.equal(res.statusCode, 200, res.body);
    };

    function assertListTerms(msg: string, id: number): void {
      assert.match(msg, new RegExp(`^Call list ${id}\\b`), msg);
      assert.doesNotMatch(msg, /\bcampaigns?\b/, msg);
      assert.doesNotMatch(msg, /endAt|lifetimeSec/, msg);
    }

    test("RecoverCallList of a stopped list past its end time", async () => {
      const { list_id: id } = await f.vox("CreateCallList", listFields({ name: "ended" }));
      await f.vox("StopCallListProcessing", { list_id: id });
      await setEndAt(id, f.clock.now() - HOUR);
      const out = await f.vox("RecoverCallList", { list_id: id });
      assert.equal(out.error?.code, 101, JSON.stringify(out));
      assertListTerms(out.error.msg, id);
      assert.match(out.error.msg, /end time/);
    });

    test("StartNextCallTask of a new manual list past its end time", async () => {
      const { list_id: id } = await f.vox("CreateManualCallList", listFields({ name: "manual-ended" }));
      await setEndAt(id, f.clock.now() - HOUR);
      const out = await f.vox("StartNextCallTask", { list_id: id });
      assert.equal(out.error?.code, 101, JSON.stringify(out));
      assertListTerms(out.error.msg, id);
      assert.doesNotMatch(out.error.msg, /recover it/);
    });

    test("RecoverCallList under 1 USD: Voximplant's billing error, of the call list", async () => {
      const { list_id: id } = await f.vox("CreateCallList", listFields({ name: "poor" }));
      await f.vox("StopCallListProcessing", { list_id: id });
      await f.store.db
        .updateTable("accounts")
        .set({ balance_micros: 200_000 })
        .where("id", "=", f.accountId)
        .execute();
      await f.engine.billingChanged(f.accountId);
      const out = await f.vox("RecoverCallList", { list_id: id });
      assert.equal(out.error?.code, 5, JSON.stringify(out));
      assert.match(out.error.msg, new RegExp(`\\bcall list ${id}\\b`), out.error.msg);
      assert.doesNotMatch(out.error.msg, /\bcampaigns?\b/, out.error.msg);
    });
  });
