// Crash safety of an agent's preview, for real: a contact an agent previews is claimed (its lease and
// attempt are written) but nobody has called it until the agent dials. If outdial dies or stops in
// between, the contact goes back as if never claimed: no attempt is counted, nobody is called. A
// restart under the same node id (a container's hostname and pid 1 stay the same) settles the leases
// the dead process left instead of renewing them forever.
import assert from "node:assert/strict";
import { test } from "node:test";
import SQLite from "better-sqlite3";
import { dialLog, exited, waitFor } from "../helpers/child.ts";
import { campaignWithAgent, crashableOutdial } from "../helpers/hooked-child.ts";

interface ContactRow {
  id: number;
  status: string;
  attempts: number;
}
interface AttemptRow {
  id: number;
  contact_id: number;
  outcome: string | null;
  reserved: string | null;
}

function read(file: string, campaignId: number): { contacts: ContactRow[]; attempts: AttemptRow[] } {
  const db = new SQLite(file, { readonly: true });
  try {
    return {
      contacts: db
        .prepare("SELECT id, status, attempts FROM contacts WHERE campaign_id = ? ORDER BY id")
        .all(campaignId) as ContactRow[],
      attempts: db
        .prepare("SELECT id, contact_id, outcome, reserved FROM attempts WHERE campaign_id = ? ORDER BY id")
        .all(campaignId) as AttemptRow[],
    };
  } finally {
    db.close();
  }
}

test("a previewed contact survives SIGKILL and SIGTERM undialed and uncounted", {
  timeout: 120_000,
}, async () => {
  const outdial = await crashableOutdial("outdial-preview-crash-", { OUTDIAL_NODE_ID: "the-same-node" });
  const { env } = outdial;
  try {
    const first = await outdial.start();
    const api = outdial.apiOf(first);
    const settings = {
      dialMethod: "preview",
      maxAttemptsPerContact: 1,
      wrapUpSec: 1,
      calleeWindow: { from: "00:00", to: "24:00" },
    };
    const phones = ["+12025550101", "+12025550102"];
    const { campaign, agent } = await campaignWithAgent(api, "preview", settings, phones);
    const offered = await api("POST", `/v1/agents/${agent.id}/preview/next`);
    assert.ok(offered.contact, "the agent is offered a contact");

    // Killed while the agent reads the contact: it was claimed, not dialed.
    let seen = read(env.OUTDIAL_DATABASE_URL, campaign.id);
    assert.equal(seen.contacts.filter((c) => c.status === "in_progress").length, 1);
    assert.equal(seen.attempts.length, 1);
    assert.notEqual(seen.attempts[0].reserved, null, "the attempt says it is only a preview");
    first.child.kill("SIGKILL");
    await exited(first.child);

    // Same node id: the leases the dead process left are settled, not renewed as this process's own.
    const second = await outdial.start();
    await waitFor("the previewed contact to be given back", () => {
      const now = read(env.OUTDIAL_DATABASE_URL, campaign.id);
      return now.contacts.every((c) => c.status === "pending") ? now : null;
    });
    seen = read(env.OUTDIAL_DATABASE_URL, campaign.id);
    assert.deepEqual(
      seen.contacts.map((c) => [c.status, c.attempts]),
      [
        ["pending", 0],
        ["pending", 0],
      ],
      "both contacts as before the preview",
    );
    assert.deepEqual(seen.attempts, [], "no attempt counted for the preview nobody dialed");
    assert.deepEqual(dialLog(env.OUTDIAL_SIM_DIAL_LOG), [], "nobody was called");

    // The agent dials one contact for real; the other is being previewed when outdial is stopped.
    await api("POST", `/v1/agents/${agent.id}/login`, { campaignId: campaign.id });
    const again = await api("POST", `/v1/agents/${agent.id}/preview/next`);
    assert.ok(again.contact);
    await api("POST", `/v1/agents/${agent.id}/preview/dial`);
    await waitFor("the call to end", () => {
      const now = read(env.OUTDIAL_DATABASE_URL, campaign.id);
      return now.attempts.length === 1 && now.attempts[0].outcome !== null ? now : null;
    });
    await waitFor("wrap-up to end", async () => {
      const s = await api("GET", `/v1/agents/${agent.id}`);
      return s.state === "ready" ? s : null;
    });
    const last = await api("POST", `/v1/agents/${agent.id}/preview/next`);
    assert.ok(last.contact);
    second.child.kill("SIGTERM");
    await exited(second.child);

    seen = read(env.OUTDIAL_DATABASE_URL, campaign.id);
    const dialed = dialLog(env.OUTDIAL_SIM_DIAL_LOG);
    assert.equal(dialed.length, 1, "only the contact the agent dialed was called");
    assert.equal(seen.attempts.length, 1, "one attempt, the dialed one");
    assert.equal(String(seen.attempts[0].id), dialed[0]);
    assert.equal(seen.attempts[0].reserved, null, "marked dialed before it went out");
    assert.notEqual(seen.attempts[0].outcome, "lost");
    const untouched = seen.contacts.find((c) => c.id !== seen.attempts[0].contact_id);
    assert.deepEqual(
      untouched && [untouched.status, untouched.attempts],
      ["pending", 0],
      "the preview open at the stop went back",
    );
  } finally {
    outdial.stop();
  }
});
