#!/usr/bin/env node
// bin/outdial.mjs with one hook, for crash tests (OUTDIAL_TEST_HOOK): the process stops for good at the named
// step and says so on stdout, so that a test can SIGKILL it exactly there. Nothing else differs.
import fs from "node:fs";
import { register } from "tsx/esm/api";

register();
const hook = process.env.OUTDIAL_TEST_HOOK ?? "";
if (hook === "reopenForCallback") {
  // The recover of a campaign completed on the call a callback was agreed on (engine/callback-reopen.ts).
  const { CallbackReopening } = await import("../../src/engine/callback-reopen.ts");
  CallbackReopening.prototype.reopen = async () => {
    process.stdout.write("HOOK reached reopenForCallback\n");
    await new Promise(() => {});
  };
} else if (hook === "afterAbandonHangup") {
  // A person no agent came for was hung up on (agents/dialing.ts), the call's end not yet written: the whole
  // process freezes (a synchronous loop: no timer, pass or write runs after it), as if killed right there.
  const { AgentDialing } = await import("../../src/engine/agents/dialing.ts");
  const hangUpAbandoned = AgentDialing.prototype.hangUpAbandoned;
  AgentDialing.prototype.hangUpAbandoned = function (call) {
    hangUpAbandoned.call(this, call);
    fs.writeSync(1, `HOOK reached afterAbandonHangup ${call.phone}\n`);
    for (;;) {}
  };
} else if (hook === "robotDialQueued") {
  // A robot dial claimed ahead of its calls-per-second slot, its claim committed, waits for the slot
  // (engine/dispatcher.ts launch): the process freezes there, as if killed before the dial went out.
  const { Dispatcher } = await import("../../src/engine/dispatcher.ts");
  const launch = Dispatcher.prototype.launch;
  Dispatcher.prototype.launch = function (...args) {
    const call = launch.apply(this, args);
    if (call !== null && call.queuedTimer !== null) {
      fs.writeSync(1, `HOOK reached robotDialQueued ${call.phone}\n`);
      for (;;) {}
    }
    return call;
  };
} else if (hook !== "") {
  throw new Error(`unknown OUTDIAL_TEST_HOOK ${hook}`);
}
const { main } = await import("../../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
