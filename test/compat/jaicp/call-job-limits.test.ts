// A call job's maxAttempts stands in place of the campaign's attempt limits, the per-number one too (a
// campaign's maxAttemptsPerPhone of 1 ended a job of maxAttempts 3 after one call); and a HEAD of addPhone
// (a link checker, a chat app's preview of the URL) queued a real call (both found by an audit, 2026-12-05).
import assert from "node:assert/strict";
import { test } from "node:test";
import { type CallJob, contactForJob } from "../../../src/api/compat/jaicp/call-jobs.ts";
import { insertContacts } from "../../../src/store/contacts-insert.ts";
import { apiFixture } from "../../api/helpers.ts";
import { harness } from "../../helpers/engine-harness.ts";
import { createCampaign } from "../../helpers/fixtures.ts";
import { addPhone, campaignToken } from "./helpers.ts";

const START = Date.UTC(2026, 0, 5, 9, 0, 0);

async function run(
  settings: Record<string, unknown>,
  job: CallJob,
  scenario: string | Record<string, unknown>,
) {
  const h = await harness({ scenario, start: START, maintenanceMs: 60_000 });
  try {
    const { campaignId, listId } = await createCampaign(h.store, h.accountId, {
      maxConcurrent: 1,
      ...settings,
    });
    const scope = { accountId: h.accountId, campaignId, listId, now: h.clock.now() };
    const [id] = await insertContacts(h.store.db, scope, [contactForJob(job, "")]);
    await h.engine.start(h.accountId, campaignId);
    await h.runToEnd(3 * 86_400_000);
    const attempts = await h.attempts(campaignId);
    const c = (await h.contacts(campaignId)).find((x) => x.id === id)!;
    return { attempts: attempts.length, status: c.status, reason: c.wait_reason };
  } finally {
    await h.close();
  }
}

test("maxAttempts 3 on a one-number call job gives 3 attempts, whatever the campaign's maxAttemptsPerPhone", async () => {
  const r = await run(
    { maxAttemptsPerContact: 5, maxAttemptsPerPhone: 1, retryIntervalSec: 60 },
    { phone: "12125550100", maxAttempts: 3 },
    "always_busy",
  );
  assert.equal(r.attempts, 3, `got ${r.attempts} attempts, contact ${r.status} (${r.reason})`);
});

test("HEAD …/addPhone (link checkers, proxies, monitors) does not create a call job", async () => {
  const f = await apiFixture();
  try {
    const { token } = await campaignToken(f);
    const res = await f.call({
      method: "HEAD",
      url: `/api/calls/campaign/${token}/addPhone?phone=79110000001`,
      key: null,
    });
    const written = (await f.store.db.selectFrom("contacts").select("id").execute()).length;
    assert.equal(written, 0, `HEAD answered ${res.statusCode} and wrote ${written} contact(s) to be dialed`);
    assert.equal(res.statusCode, 404);
    const get = await addPhone(f, token, "phone=79110000001");
    assert.equal(get.statusCode, 200, "GET still adds the number");
  } finally {
    await f.close();
  }
});
