// The dashboard's "In flight" column: calls placed, as /metrics counts them, and the dials reserved beside
// them. It showed explain's inFlight alone, which counts previews agents are reading: three agents reading,
// no call placed, and the row said 3 calls in flight (web6).
import assert from "node:assert/strict";
import { test } from "node:test";
import { agentCampaign } from "../api/helpers.ts";
import { chromiumSkip } from "../helpers/browser.ts";
import { dashboardSuite, openDashboard } from "../helpers/dashboard.ts";

const TOKEN = "metrics-token-0123456789";
let campaignId: number;
const s = dashboardSuite({
  env: { OUTDIAL_METRICS_TOKEN: TOKEN },
  async setup(f) {
    const c = await agentCampaign(f, {
      name: "Preview desk",
      settings: { dialMethod: "preview" },
      contacts: [{ phone: "+14155554001" }, { phone: "+14155554002" }, { phone: "+14155554003" }],
      agents: ["Ann", "Bob", "Cy"],
    });
    campaignId = c.campaignId;
    for (const id of c.agentIds) {
      await f.call({ method: "POST", url: `/v1/agents/${id}/login`, payload: { campaignId } });
    }
    assert.equal(
      (await f.call({ method: "POST", url: `/v1/campaigns/${campaignId}/start` })).statusCode,
      200,
    );
    for (const id of c.agentIds) {
      const next = await f.call({ method: "POST", url: `/v1/agents/${id}/preview/next` });
      assert.ok(next.json().contact, next.body);
    }
  },
});

test("'In flight' counts calls placed, not previews being read", { skip: chromiumSkip }, async () => {
  const { f } = s;
  const metrics = await f.app.inject({ url: "/metrics", headers: { authorization: `Bearer ${TOKEN}` } });
  const placed = Number(/^outdial_calls_in_flight (\d+)$/m.exec(metrics.body)?.[1]);
  assert.equal(placed, 0, "no call has been dialed");
  const why = (await f.call({ method: "GET", url: `/v1/campaigns/${campaignId}/explain` })).json();
  assert.deepEqual([why.inFlight, why.callsPlaced], [3, 0]);
  const page = await openDashboard(s.browser, s.base, f.key);
  const cell = page.locator(`#campaigns tr[data-id="${campaignId}"] [data-field="in-flight"]`);
  await page.waitForFunction(
    (sel) => /\d/.test(document.querySelector(sel)?.textContent ?? ""),
    `#campaigns tr[data-id="${campaignId}"] [data-field="in-flight"]`,
  );
  const shown = await cell.textContent();
  assert.equal(shown, "0 (+3 reserved)", `/metrics outdial_calls_in_flight ${placed}`);
  await page.close();
});
