// A phone with a pasted tab is read alike by every face: JAICP and Xcally drop control characters before
// they judge it, as the imports, a contact edit and Twin24 do (JAICP answered 400, Xcally skipped the row).
import assert from "node:assert/strict";
import { test } from "node:test";
import { contactForJob } from "../../src/api/compat/jaicp/call-jobs.ts";
import { normalizeNumber } from "../../src/api/compat/twin24/candidates.ts";
import { parseContact } from "../../src/api/compat/xcally/contacts.ts";
import { ContactRules, PHONE } from "../../src/lists/contact-rules.ts";

const RAW = "+1 212\t555 0123";

test("a phone with a pasted tab is read alike by every face", () => {
  const rules = new ContactRules({
    phonePolicy: "reject",
    duplicatePolicy: "allow",
    now: 0,
    startAtNumbers: "ms",
    dailyFields: ["daily_window.from", "daily_window.to"],
  } as never);
  const out: unknown[] = [];
  assert.ok(rules.accept(1, { phones: [RAW], customJson: "{}" } as never, out));
  assert.equal(out[PHONE], "+12125550123"); // native import
  const t = normalizeNumber(RAW, {
    phoneNormalization: "NONE",
    normalizationErrorAction: "IGNORE_NORMALIZATION_ERROR",
    checkPhone: true,
  } as never);
  assert.deepEqual(t, { keep: "+12125550123", flagged: false }); // Twin24
  const jaicp = () => contactForJob({ phone: RAW } as never, "");
  assert.doesNotThrow(jaicp, "JAICP refuses what the native import stores as +12125550123");
  const xcally = () => parseContact({ phone: RAW } as never, "");
  assert.doesNotThrow(xcally, "Xcally refuses what the native import stores as +12125550123");
});
