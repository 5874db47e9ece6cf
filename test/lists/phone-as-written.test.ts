// A number with a control character inside ("+1 212 555	0123": a pasted tab, a line break in a quoted
// CSV cell) is read without it before it is judged, the same way by an import and by Twin24, so it is the
// valid number it is: the person's E.164 do-not-call entry suppresses it (it was kept flagged as written,
// "+1 212 5550123", and dialed).
import assert from "node:assert/strict";
import { test } from "node:test";
import { normalizeNumber } from "../../src/api/compat/twin24/candidates.ts";
import { addContacts } from "../../src/lists/import.ts";
import { accountList, addDncNumbers } from "../../src/store/dnc.ts";
import { harness } from "../helpers/engine-harness.ts";
import { createCampaign } from "../helpers/fixtures.ts";

const RAW = "+1 212 555\t0123"; // a copy-pasted number with a tab inside

test("same input, same stored phone: import (flag) vs Twin24 (checkPhone=false)", async () => {
  const h = await harness({ scenario: "always_no_answer" });
  try {
    const a = await createCampaign(h.store, h.accountId, {}, { now: h.clock.now() });
    await addContacts(h.store, { accountId: h.accountId, ...a, phonePolicy: "flag", now: h.clock.now() }, [
      { phones: [RAW] },
    ]);
    const b = await createCampaign(h.store, h.accountId, {}, { now: h.clock.now() });
    const t24 = normalizeNumber(RAW, { phoneNormalization: "NONE", checkPhone: false } as never);
    assert.ok(t24.keep !== null);
    await addContacts(h.store, { accountId: h.accountId, ...b, phonePolicy: "flag", now: h.clock.now() }, [
      { phones: [t24.keep] },
    ]);
    const [ca] = await h.contacts(a.campaignId);
    const [cb] = await h.contacts(b.campaignId);
    assert.equal(ca.phones, cb.phones, "the same number is stored as different text by the two faces");
  } finally {
    await h.close();
  }
});

test("an E.164 do-not-call entry suppresses the imported contact of the same number", async () => {
  const h = await harness({ scenario: "always_no_answer" });
  try {
    const ids = await createCampaign(
      h.store,
      h.accountId,
      { maxAttemptsPerContact: 1 },
      { now: h.clock.now() },
    );
    await addContacts(h.store, { accountId: h.accountId, ...ids, phonePolicy: "flag", now: h.clock.now() }, [
      { phones: [RAW] },
    ]);
    await addDncNumbers(
      h.store,
      accountList(h.accountId),
      [{ phone: "+12125550123", source: "optout", reason: null, expiresAt: null }],
      h.clock.now(),
    );
    await h.engine.start(h.accountId, ids.campaignId);
    await h.runToEnd(86_400_000);
    const calls = await h.attempts(ids.campaignId);
    const [c] = await h.contacts(ids.campaignId);
    assert.equal(
      calls.length,
      0,
      `a listed person was dialed on ${calls.map((x) => JSON.stringify(x.phone))}`,
    );
    assert.deepEqual([c.status, JSON.parse(c.phones)], ["suppressed", ["+12125550123"]]);
  } finally {
    await h.close();
  }
});
