// Crash tests' outdial: child processes started one after another on one directory (test/helpers/child.ts),
// a start optionally the test entry outdial-hooked.mjs stopping for good at a named step (OUTDIAL_TEST_HOOK),
// so that the test can SIGKILL it exactly there and start outdial again on the same database.
import assert from "node:assert/strict";
import fs from "node:fs";
import { apiClient, childSetup, startOutdial } from "./child.ts";

export type Started = ReturnType<typeof startOutdial>;
export type Api = ReturnType<typeof apiClient>;

/** The directory, port and environment of `childSetup(prefix, more)`, and the processes started on them. */
export async function crashableOutdial(prefix: string, more: Record<string, string> = {}) {
  const { dir, env, base } = await childSetup(prefix, more);
  const running: Started[] = [];
  return {
    dir,
    env,
    base,
    /** Starts outdial and waits until it listens; with `hook`, the test entry stopping at that step. */
    async start(hook?: string): Promise<Started> {
      const p = hook
        ? startOutdial({ ...env, OUTDIAL_TEST_HOOK: hook }, "test/helpers/outdial-hooked.mjs")
        : startOutdial(env);
      running.push(p); // killed by stop() even if it never gets ready
      await p.ready;
      return p;
    },
    /** The API of the bootstrap key a first start on a new database prints. */
    apiOf(first: Started): Api {
      const key = /OUTDIAL_API_KEY=(\S+)/.exec(first.output())?.[1];
      assert.ok(key);
      return apiClient(base, key);
    },
    /** Kills every process started, whatever state it is in, and removes the directory. */
    stop(): void {
      for (const p of running) p.child.kill("SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A started campaign of `phones` (one list, "people") with one agent, Ann, on it and logged in. */
export async function campaignWithAgent(
  api: Api,
  name: string,
  settings: Record<string, unknown>,
  phones: string[],
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever the API answered
): Promise<{ campaign: any; agent: any }> {
  const campaign = await api("POST", "/v1/campaigns", { name, settings });
  const list = await api("POST", `/v1/campaigns/${campaign.id}/lists`, { name: "people" });
  await api("POST", `/v1/campaigns/${campaign.id}/lists/${list.id}/contacts`, {
    contacts: phones.map((phone) => ({ phone })),
  });
  const agent = await api("POST", "/v1/agents", { name: "Ann" });
  await api("PUT", `/v1/campaigns/${campaign.id}/agents`, { agents: [{ agentId: agent.id, penalty: 0 }] });
  await api("POST", `/v1/agents/${agent.id}/login`, { campaignId: campaign.id });
  await api("POST", `/v1/campaigns/${campaign.id}/start`);
  return { campaign, agent };
}
