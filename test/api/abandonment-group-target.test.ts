// GET /v1/campaigns/{id}/abandonment of a campaign in an abandonment group: the group's pooled rate is held
// under the strictest target of its campaigns, whatever each member's own (refreshAbandonGroups gives every
// member's pacer that cap). The answer gave only the member's own target_rate while its description said
// the pooled rate was held under it, so a member with 5 % in a group with a 2 % member read as held under
// 5 % (audit pacing11). This shows group.target_rate is the group's cap, for the loose member and the
// strict one alike, and that it follows a member's edit. On both dialects.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { dialects } from "../helpers/stores.ts";
import {
  type AbandonmentBody,
  type ApiFixture,
  abandonmentOf,
  agentCampaign,
  apiFixture,
} from "./helpers.ts";

type WithGroupTarget = AbandonmentBody & {
  target_rate: number;
  group: { target_rate: number | null } | null;
};

for (const dialect of dialects()) {
  describe(`abandonment of a group member [${dialect.name}]`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(dialect.open);
    });
    after(() => f.close());

    const predictive = { dialMethod: "predictive", scenario: "default", wrapUpSec: 5 };
    const contacts = (n: number, from: number) =>
      Array.from({ length: n }, (_, i) => ({ phone: `+1415555${String(from + i).padStart(4, "0")}` }));
    const abandonment = async (id: number) => (await abandonmentOf(f, id)) as WithGroupTarget;

    test("states the cap its pooled rate is held under: the group's strictest target, beside its own", async () => {
      const strict = await agentCampaign(f, {
        name: "strict B",
        settings: { ...predictive, abandonGroup: "strict", targetAbandonRate: 0.02 },
        contacts: contacts(5, 1000),
        agents: [],
      });
      const loose = await agentCampaign(f, {
        name: "loose A",
        settings: { ...predictive, abandonGroup: "strict", targetAbandonRate: 0.05 },
        contacts: contacts(5, 1100),
        agents: [],
      });
      const a = await abandonment(loose.campaignId);
      assert.equal(a.target_rate, 0.05, "its own target");
      assert.equal(a.group?.target_rate, 0.02, "the pooled rate is held under B's 2 %");
      assert.equal((await abandonment(strict.campaignId)).group?.target_rate, 0.02);

      const patch = await f.call({
        method: "PATCH",
        url: `/v1/campaigns/${strict.campaignId}`,
        payload: { settings: { targetAbandonRate: 0.04 } },
      });
      assert.equal(patch.statusCode, 200, patch.body);
      assert.equal((await abandonment(loose.campaignId)).group?.target_rate, 0.04, "B's new 4 % binds now");
    });
  });
}
