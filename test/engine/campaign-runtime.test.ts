// A campaign's in-memory runtime re-reads its row every few seconds: its parsed settings, calling windows
// and calls-per-second spacing are rebuilt only when the stored settings changed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CampaignRuntime } from "../../src/engine/campaign-runtime.ts";
import { harness } from "../helpers/engine-harness.ts";

test("the runtime keeps its settings and windows while the stored settings are unchanged", async () => {
  const h = await harness({});
  try {
    const id = await h.campaign({ callsPerSecond: 2, calleeWindow: { from: "09:00", to: "21:00" } }, []);
    const read = () =>
      h.store.db.selectFrom("campaigns").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    // As stored by an older version, or a face that writes only what it was given: defaults left out.
    const row = { ...(await read()), settings: JSON.stringify({ callsPerSecond: 2 }) };
    const rt = new CampaignRuntime(row, 1000);
    const { settings, windows } = rt;
    rt.update({ ...row, status: "running" }, 2000);
    assert.equal(rt.settings, settings, "settings not parsed again");
    assert.equal(rt.windows, windows, "windows not rebuilt");
    assert.equal(rt.status, "running");

    const changed = { ...JSON.parse(row.settings), callsPerSecond: 0.5 };
    rt.update({ ...row, settings: JSON.stringify(changed) }, 3000);
    assert.notEqual(rt.windows, windows, "new settings, new windows");
    assert.equal(rt.settings.callsPerSecond, 0.5);
    assert.equal(rt.spacing.intervalMs, 2000);
    assert.equal(rt.waitsEditedAt, null, "a rate moves no contact's wait");
    // New hours: contacts put off since the read before (at 3000) were judged under the old ones.
    const hours = { ...changed, calleeWindow: { from: "08:00", to: "22:00" } };
    rt.update({ ...row, settings: JSON.stringify(hours), name: "renamed since" }, 4000);
    assert.equal(rt.waitsEditedAt, 3000);
  } finally {
    await h.close();
  }
});
