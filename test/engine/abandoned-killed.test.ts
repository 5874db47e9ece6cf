// An abandoned call (a person answered, no agent came within abandonAfterSec, hung up on with the abandon
// message) may not be followed by another call to that person for 72 h. The abandonment used to live only
// in the live call until the call's end was written with the next dispatch pass: outdial SIGKILLed after the
// hang-up left the attempt to the lease sweep, which recorded it `lost` (unanswered, no abandoned_at), and
// the `lost` retry rule called the person again seconds later; the rate rebuilt from the store missed the
// abandon too. The abandonment is now written before the hang-up (DispatchStore.recordAbandon), and the sweep
// records such an attempt abandoned (outcomes.ts lostAttempt). Shown end to end on a real process killed
// right after the hang-up, and on both dialects for the store's side: counted once, killed or not.
import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, test } from "node:test";
import SQLite from "better-sqlite3";
import { CampaignRuntime } from "../../src/engine/campaign-runtime.ts";
import { finishedFromEnd, lostAttempt, newLiveCall } from "../../src/engine/outcomes.ts";
import { ABANDON_REDIAL_GAP_MS, ABANDONED_WAIT_REASON } from "../../src/model/redial-policy.ts";
import { abandonment } from "../../src/store/abandonment.ts";
import { answerHistory } from "../../src/store/agent-calls.ts";
import type { Store } from "../../src/store/db.ts";
import { openDispatchStore } from "../../src/store/dispatch/index.ts";
import type {
  Candidate,
  ClaimDecision,
  DispatchStore,
  StartedAttempt,
} from "../../src/store/dispatch/types.ts";
import { exited, waitFor } from "../helpers/child.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { campaignWithAgent, crashableOutdial } from "../helpers/hooked-child.ts";
import { dialects } from "../helpers/stores.ts";

/** The sim driver's dial log: who was called, when. */
function calls(file: string): { to: string; at: number }[] {
  return fs.existsSync(file)
    ? fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];
}

test("SIGKILL right after an abandoned call's hang-up: the person waits 72 h, the abandon is on record", {
  timeout: 150_000,
}, async () => {
  const outdial = await crashableOutdial("outdial-abandon-killed-", { OUTDIAL_NODE_ID: "the-same-node" });
  const { env } = outdial;
  try {
    const first = await outdial.start("afterAbandonHangup");
    const api = outdial.apiOf(first);
    const phones = ["+12025550151", "+12025550152", "+12025550153"];
    const settings = {
      scenario: "all_human",
      dialMethod: "power",
      powerRatio: 3,
      maxLinesPerAgent: 3,
      abandonAfterSec: 2,
      maxAttemptsPerContact: 5,
      retryIntervalSec: 1,
      wrapUpSec: 60,
      calleeWindow: { from: "00:00", to: "24:00" },
    };
    const { campaign, agent } = await campaignWithAgent(api, "power", settings, phones);
    // Three lines for one agent, everyone answers: one call goes to Ann, the others wait 2 s for an agent
    // and are abandoned. The process freezes right after the first abandon's hang-up, and is killed.
    const abandonedPhone = await waitFor(
      "the abandon's hang-up",
      () => /HOOK reached afterAbandonHangup (\S+)/.exec(first.output())?.[1] ?? null,
      90_000,
    );
    const killedAt = Date.now();
    first.child.kill("SIGKILL");
    await exited(first.child);

    await outdial.start();
    await api("POST", `/v1/agents/${agent.id}/login`, { campaignId: campaign.id });
    // The sweep settles the dead process's attempts (2 s leases) all at once; the people whose calls were
    // merely lost are due again a second later (the `lost` retry rule), as the abandoned person was too
    // before the fix. Once one of them has been called again, the campaign is dialing again.
    const others = phones.filter((p) => p !== abandonedPhone);
    await waitFor(
      "a lost call dialed again",
      () =>
        others.some((p) => calls(env.OUTDIAL_SIM_DIAL_LOG).some((c) => c.to === p && c.at > killedAt)) ||
        null,
      90_000,
    );
    const again = calls(env.OUTDIAL_SIM_DIAL_LOG).filter((c) => c.to === abandonedPhone && c.at > killedAt);
    assert.equal(again.length, 0, `${abandonedPhone}, hung up on as abandoned, was called again`);

    const db = new SQLite(env.OUTDIAL_DATABASE_URL, { readonly: true });
    const contact = db
      .prepare(
        "SELECT id, status, abandoned_at, next_attempt_at, wait_reason FROM contacts WHERE campaign_id = ? AND phones LIKE ?",
      )
      .get(campaign.id, `%${abandonedPhone}%`) as {
      id: number;
      status: string;
      abandoned_at: number | null;
      next_attempt_at: number;
      wait_reason: string;
    };
    const attempts = db
      .prepare("SELECT id, outcome, cause, answered_at FROM attempts WHERE contact_id = ? ORDER BY seq")
      .all(contact.id) as { id: number; outcome: string; cause: string; answered_at: number | null }[];
    db.close();
    assert.equal(attempts.length, 1);
    assert.equal(attempts[0].outcome, "abandoned", "the sweep records what the process wrote");
    assert.equal(attempts[0].cause, "lease_expired");
    assert.ok(attempts[0].answered_at !== null && attempts[0].answered_at < killedAt, "answered when it was");
    assert.equal(contact.status, "pending");
    assert.equal(contact.wait_reason, ABANDONED_WAIT_REASON);
    assert.ok(contact.abandoned_at !== null);
    assert.ok(contact.next_attempt_at >= killedAt + ABANDON_REDIAL_GAP_MS, "it waits out the 72 hours");
    // The rate rebuilt from the store counts it (and any abandoned since the restart), once.
    const rate = await api("GET", `/v1/campaigns/${campaign.id}/abandonment`);
    const db2 = new SQLite(env.OUTDIAL_DATABASE_URL, { readonly: true });
    const onRecord = db2
      .prepare(
        "SELECT count(*) AS n FROM attempts WHERE campaign_id = ? AND outcome = 'abandoned' AND answered_at IS NOT NULL",
      )
      .get(campaign.id) as { n: number };
    db2.close();
    assert.ok(rate.campaign.abandoned >= 1);
    assert.ok(rate.campaign.abandoned <= onRecord.n, "no abandon counted twice");
  } finally {
    outdial.stop();
  }
});

for (const dialect of dialects()) {
  describe(`an abandonment on record before its hang-up (${dialect.name})`, () => {
    const T0 = 1_000_000;

    async function setup(): Promise<{ store: Store; ds: DispatchStore; rt: CampaignRuntime; ids: number[] }> {
      const store = await dialect.open();
      const accountId = await createAccount(store);
      const settings = { dialMethod: "power" as const, retryIntervalSec: 1, maxAttemptsPerContact: 5 };
      const { campaignId, listId } = await createCampaign(store, accountId, settings);
      const ids = await addContacts(store, { accountId, campaignId, listId }, [
        { phones: ["+12025550161"] },
        { phones: ["+12025550162"] },
      ]);
      const ds = openDispatchStore(store);
      await ds.promoteDue(campaignId, T0);
      const row = await store.db
        .selectFrom("campaigns")
        .selectAll()
        .where("id", "=", campaignId)
        .executeTakeFirstOrThrow();
      return { store, ds, rt: new CampaignRuntime(row), ids };
    }

    /** Claims every queued contact for `owner` until `leaseUntil` (no heartbeat: the lease runs out then). */
    async function claimAll(ds: DispatchStore, rt: CampaignRuntime, owner: string, leaseUntil: number) {
      const start = (c: Candidate): ClaimDecision => ({
        kind: "start",
        at: T0,
        phoneIndex: 0,
        phone: (JSON.parse(c.phones) as string[])[0],
        callerId: null,
        phoneAttempts: "[1]",
      });
      const r = await ds.claim({
        campaignId: rt.id,
        limit: 10,
        owner,
        now: T0,
        leaseUntil,
        recentSince: null,
        decide: start,
      });
      return r.started;
    }

    /** The abandonment written before the hang-up: answered 1.5 s after T0, given up on 2 s later. */
    const recordAbandon = (ds: DispatchStore, s: StartedAttempt) =>
      ds.recordAbandon({
        attemptId: s.attemptId,
        contactId: s.contact.id,
        answeredAt: T0 + 1_500,
        at: T0 + 3_500,
      });

    /** The live call of `s` as the node holds it once it hung up on the person as abandoned. */
    function abandonedCall(rt: CampaignRuntime, s: StartedAttempt) {
      const call = newLiveCall(rt, s, null, 0);
      call.answeredAt = T0 + 1_500;
      call.abandoned = true;
      return call;
    }

    const attemptRow = (store: Store, id: number) =>
      store.db.selectFrom("attempts").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    const contactRow = (store: Store, id: number) =>
      store.db.selectFrom("contacts").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

    test("killed after the hang-up: the sweep records it abandoned and the contact waits 72 h", async () => {
      const { store, ds, rt, ids } = await setup();
      try {
        const [s] = await claimAll(ds, rt, "dead-node", T0 + 10_000);
        await recordAbandon(ds, s);
        // Counted at once, while the call is still open.
        assert.deepEqual(
          (await answerHistory(store, rt.id)).map((h) => h.event),
          ["no_agent"],
        );

        const sweepAt = T0 + 20_000;
        const lost = (await ds.expiredLeases(sweepAt, 10)).find((e) => e.attemptId === s.attemptId);
        assert.ok(lost);
        assert.equal(lost.abandoned, true);
        assert.equal(lost.answeredAt, T0 + 1_500);
        assert.equal((await ds.finish([lostAttempt(rt, lost, sweepAt)])).applied, 1);

        const a = await attemptRow(store, s.attemptId);
        assert.equal(a.outcome, "abandoned");
        assert.equal(a.cause, "lease_expired");
        assert.equal(Number(a.answered_at), T0 + 1_500);
        const c = await contactRow(store, s.contact.id);
        assert.equal(c.status, "pending");
        assert.equal(c.wait_reason, ABANDONED_WAIT_REASON);
        assert.equal(Number(c.next_attempt_at), sweepAt + ABANDON_REDIAL_GAP_MS);
        assert.equal(Number(c.abandoned_at), sweepAt);
        const rate = await abandonment(store, { id: rt.id, falsePositiveShare: 0 }, sweepAt);
        assert.equal(rate.campaign.abandoned, 1);
        assert.equal(rate.campaign.liveAnswers, 1);

        // The other contact's call, lost with no abandonment written, stays plain lost and retries.
        const other = (await ds.expiredLeases(sweepAt, 10)).find((e) => e.contact.id === ids[1]);
        assert.ok(other);
        assert.equal(other.abandoned, false);
        assert.equal(lostAttempt(rt, other, sweepAt).outcome, "lost");
      } finally {
        await store.close();
      }
    });

    test("not killed: the call's end records the abandonment once, as it always did", async () => {
      const { store, ds, rt } = await setup();
      try {
        const [s] = await claimAll(ds, rt, "live-node", T0 + 3_600_000);
        const call = abandonedCall(rt, s);
        await recordAbandon(ds, s);
        const endedAt = T0 + 4_000;
        const ended = { callId: call.callId, cause: "normal" as const, ringSec: 1.5, talkSec: 2.5 };
        assert.equal((await ds.finish([finishedFromEnd(call, ended, endedAt, "live-node")])).applied, 1);

        const a = await attemptRow(store, s.attemptId);
        assert.equal(a.outcome, "abandoned");
        assert.equal(a.cause, "normal");
        assert.equal(Number(a.ended_at), endedAt);
        const c = await contactRow(store, s.contact.id);
        assert.equal(Number(c.abandoned_at), endedAt, "72 h from the call's end, as before");
        assert.equal(Number(c.next_attempt_at), endedAt + ABANDON_REDIAL_GAP_MS);
        const rate = await abandonment(store, { id: rt.id, falsePositiveShare: 0 }, endedAt);
        assert.equal(rate.campaign.abandoned, 1);
        assert.equal(rate.campaign.liveAnswers, 1);
      } finally {
        await store.close();
      }
    });

    test("a stalled node's own end of the call still replaces the sweep's abandoned record, once", async () => {
      const { store, ds, rt } = await setup();
      try {
        const [s] = await claimAll(ds, rt, "stalled-node", T0 + 10_000);
        const call = abandonedCall(rt, s);
        await recordAbandon(ds, s);
        const sweepAt = T0 + 20_000;
        const lost = (await ds.expiredLeases(sweepAt, 10)).find((e) => e.attemptId === s.attemptId);
        assert.ok(lost);
        await ds.finish([lostAttempt(rt, lost, sweepAt)]);
        const ended = { callId: call.callId, cause: "normal" as const, ringSec: 1.5, talkSec: 2.5 };
        await ds.finish([finishedFromEnd(call, ended, sweepAt + 1_000, "stalled-node")]);
        const a = await attemptRow(store, s.attemptId);
        assert.equal(a.outcome, "abandoned");
        assert.equal(a.cause, "normal", "the call's own end, not the sweep's");
        const rate = await abandonment(store, { id: rt.id, falsePositiveShare: 0 }, sweepAt + 1_000);
        assert.equal(rate.campaign.abandoned, 1);
      } finally {
        await store.close();
      }
    });
  });
}
