// A callback agreed in wrap-up on the call that completed its campaign: the callback is written, then the
// campaign is recovered (engine/callback-reopen.ts), two steps. outdial SIGKILLed between them left the
// campaign completed for good with the callback pending, never made (the agent's retry is refused after a
// restart: the process that knew the agent's last call is gone). A restart now recovers such a campaign.
import assert from "node:assert/strict";
import { test } from "node:test";
import { dialLog, exited, waitFor } from "../helpers/child.ts";
import { campaignWithAgent, crashableOutdial } from "../helpers/hooked-child.ts";

test("SIGKILL between writing a callback and recovering the completed campaign: the callback is made", {
  timeout: 120_000,
}, async () => {
  const outdial = await crashableOutdial("outdial-callback-reopen-");
  const { env } = outdial;
  try {
    const first = await outdial.start("reopenForCallback");
    const api = outdial.apiOf(first);
    const settings = {
      scenario: "all_human",
      dialMethod: "progressive",
      maxAttemptsPerContact: 1,
      wrapUpSec: 60,
      calleeWindow: { from: "00:00", to: "24:00" },
    };
    const { campaign, agent } = await campaignWithAgent(api, "last call", settings, ["+14155553601"]);
    await waitFor(
      "the agent on the call",
      async () => (await api("GET", `/v1/agents/${agent.id}`)).state === "on_call" || null,
    );
    await api("POST", `/v1/agents/${agent.id}/hangup`);
    await waitFor(
      "the campaign to complete",
      async () => (await api("GET", `/v1/campaigns/${campaign.id}`)).status === "completed" || null,
    );
    const callbackAt = Date.now() + 4_000;
    // The disposition's request never gets its answer: the process is killed at the recover step.
    const dispose = api("POST", `/v1/agents/${agent.id}/disposition`, {
      disposition: "call back",
      callbackAt: new Date(callbackAt).toISOString(),
    }).catch((e: unknown) => e);
    await waitFor("the hook", () => /HOOK reached reopenForCallback/.test(first.output()) || null);
    first.child.kill("SIGKILL");
    await exited(first.child);
    await dispose;
    assert.equal(dialLog(env.OUTDIAL_SIM_DIAL_LOG).length, 1);

    await outdial.start();
    assert.equal(
      (await api("GET", `/v1/campaigns/${campaign.id}`)).status,
      "running",
      "recovered at the restart",
    );
    // The agent's session went with the process: they log in again, and the callback goes to them.
    await api("POST", `/v1/agents/${agent.id}/login`, { campaignId: campaign.id });
    await waitFor(
      "the callback to be made",
      () => dialLog(env.OUTDIAL_SIM_DIAL_LOG).length === 2 || null,
      30_000,
    );
    const attempts = await api("GET", `/v1/campaigns/${campaign.id}/attempts`);
    const started = attempts.data.map((a: { started_at: string }) => Date.parse(a.started_at)).sort();
    assert.equal(started.length, 2);
    assert.ok(started[1] >= callbackAt - 1000, "the callback went out at its time, not before");
  } finally {
    outdial.stop();
  }
});
