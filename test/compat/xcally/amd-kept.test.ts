// A Motion queue edit rebuilds the campaign's AMD from the queue's fields; what /v1 set that Motion has no
// field for (the AMD false-positive estimate, a voicemail drop) must survive it, or a pause and resume
// through the Xcally face would silently reset a measured estimate to the default.
import assert from "node:assert/strict";
import { test } from "node:test";
import { settingsForQueue } from "../../../src/api/compat/xcally/queues.ts";
import { withDefaults } from "../../../src/model/campaign-settings.ts";

test("a queue edit keeps the campaign's AMD estimate and voicemail message while AMD stays on", () => {
  const base = withDefaults({
    dialMethod: "progressive",
    amd: { enabled: true, mode: "blocking", falsePositiveShare: 0.005, voicemailMessage: "vm-7" },
  });
  const { settings } = settingsForQueue({ name: "q", dialAMDActive: true, dialAMDGreeting: 1200 }, base);
  assert.equal(settings.amd?.falsePositiveShare, 0.005);
  assert.equal(settings.amd?.voicemailMessage, "vm-7");
  assert.equal(settings.amd?.mode, "blocking");
  assert.equal(settings.amd?.params?.greeting, 1200, "the queue's own AMD fields still apply");
  assert.equal(settingsForQueue({ name: "q", dialAMDActive: false }, base).settings.amd, null);
  const fresh = settingsForQueue({ name: "q", dialAMDActive: true }, withDefaults({})).settings.amd;
  assert.equal(fresh?.falsePositiveShare, undefined, "nothing to keep: the default applies");
});

test("a queue written back as read keeps the AMD mode and greeting /v1 set; switched on anew, it is blocking", () => {
  const base = withDefaults({
    dialMethod: "progressive",
    amd: { enabled: true, mode: "background", greeting: "hold-1" },
  });
  const kept = settingsForQueue({ name: "q", dialAMDActive: true }, base).settings.amd;
  assert.equal(kept?.mode, "background");
  assert.equal(kept?.greeting, "hold-1");
  const off = withDefaults({ amd: { enabled: false, mode: "background", greeting: "hold-1" } });
  const switchedOn = settingsForQueue({ name: "q", dialAMDActive: true }, off).settings.amd;
  assert.equal(switchedOn?.mode, "blocking", "Motion's switch turns on blocking detection");
  assert.equal(switchedOn?.greeting, undefined);
});
