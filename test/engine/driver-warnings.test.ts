// `explain` says what a campaign asks for that the node's driver cannot do: a campaign set up with AMD and
// recording on the sim driver, run on the sip driver, would otherwise count machines as people in silence.
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatExplanation } from "../../src/cli/explain.ts";
import { VirtualClock } from "../../src/clock/virtual-clock.ts";
import { Engine } from "../../src/engine/engine.ts";
import { openStore } from "../../src/store/db.ts";
import { createDriver } from "../../src/telephony/index.ts";
import { SipDriver } from "../../src/telephony/sip/sip-driver.ts";
import { createAccount, createCampaign } from "../helpers/fixtures.ts";

const settings = {
  amd: { enabled: true, mode: "background" as const, voicemailMessage: "call us back" },
  record: { enabled: true, trimLeftSec: 0 },
  dialMethod: "progressive" as const,
};

for (const driverName of ["sip", "sim"] as const) {
  test(`explain warns of AMD and recording the ${driverName} driver cannot do`, async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 5));
    const store = await openStore({ url: ":memory:" });
    // Never started: explain needs only what the driver can do, no socket.
    const driver =
      driverName === "sip"
        ? new SipDriver(
            { clock },
            { trunk: { host: "127.0.0.1", port: 5060 }, bindHost: "127.0.0.1", bindPort: 0 },
          )
        : createDriver("sim", { clock });
    const engine = new Engine({ store, clock, driver, nodeId: "n1", leaseMs: 60_000 });
    try {
      const accountId = await createAccount(store, "acme", clock.now());
      const withBoth = await createCampaign(store, accountId, settings, { name: "both" });
      const plain = await createCampaign(store, accountId, {}, { name: "plain" });
      const warned = (await engine.explain(accountId, withBoth.campaignId)).warnings.map((w) => w.code);
      assert.deepEqual(
        warned,
        driverName === "sip"
          ? ["amd_unavailable", "announcements_unavailable", "agents_not_connected", "recording_unavailable"]
          : [],
      );
      assert.deepEqual((await engine.explain(accountId, plain.campaignId)).warnings, []);
      if (driverName === "sip") {
        const [amd] = (await engine.explain(accountId, withBoth.campaignId)).warnings;
        assert.match(amd.message, /the sip driver has none: every answer counts as a person/);
        // `outdial explain` prints them too.
        const printed = formatExplanation(await engine.explain(accountId, withBoth.campaignId));
        assert.match(printed, /^ {2}! recording is on, but the sip driver records nothing$/m);
      }
    } finally {
      await engine.shutdown();
      await driver.close();
      await store.close();
    }
  });
}
