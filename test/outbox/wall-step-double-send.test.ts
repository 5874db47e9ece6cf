// A wall-clock step forward (chrony/NTP stepping the clock after a VM resumes: Date.now() jumps, the
// monotonic timers undici's timeout runs on do not) made a lease taken on the Clock look expired while its
// send was still on the wire: the same node leased the same event again and sent it a second time beside
// the first, two requests for one contact in flight together, which the README's "one at a time per
// contact in the order it happened" rules out (hooks13). A key the node is sending is now in flight
// whatever its lease says.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { type TimerHandle, WallClock } from "../../src/clock/clock.ts";
import { WebhookDelivery } from "../../src/outbox/delivery.ts";
import { eventRow } from "../../src/outbox/events.ts";
import { atomically } from "../../src/store/atomic.ts";
import { openStore } from "../../src/store/db.ts";
import { insertWebhook, outboxInserts } from "../../src/store/webhooks.ts";
import { createAccount, createCampaign } from "../helpers/fixtures.ts";

/** The wall clock, steppable forward as NTP steps it (timers keep running on real elapsed time). */
class SteppedClock extends WallClock {
  step = 0;
  override now(): number {
    return Date.now() + this.step;
  }
  override at(at: number, fn: () => void | Promise<void>): TimerHandle {
    return this.after(at - this.now(), fn);
  }
}

test("a wall-clock step while a send is in flight does not send the same contact's event twice at once", {
  timeout: 30_000,
}, async () => {
  const store = await openStore({ url: ":memory:" });
  const held: http.ServerResponse[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const got: string[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      got.push(String(req.headers["x-outdial-event-id"]));
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      res.on("finish", () => inFlight--);
      held.push(res); // answered by the test
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const clock = new SteppedClock();
  let delivery: WebhookDelivery | null = null;
  try {
    const accountId = await createAccount(store);
    const { campaignId } = await createCampaign(store, accountId);
    await insertWebhook(store.db, {
      accountId,
      campaignId: null,
      url,
      secret: "whsec_x",
      events: ["attempt.ended"],
      delaySec: 0,
      partialResults: true,
      maxAttempts: 5,
      active: true,
      now: clock.now(),
    });
    const rows = [1, 2].flatMap((n) => [
      eventRow({
        type: "attempt.ended",
        accountId,
        campaignId,
        contactId: 7,
        final: true,
        at: clock.now(),
        data: { n },
      }),
    ]);
    await atomically(store, outboxInserts(store.db, rows));
    delivery = new WebhookDelivery({
      store,
      clock,
      nodeId: "n1",
      baseBackoffMs: 100,
      maxBackoffMs: 200,
      timeoutMs: 3_000, // lease: 6 s of the Clock
      pollMs: 100,
      allowPrivateNetworks: true,
    });
    delivery.start();
    const t0 = Date.now();
    while (got.length === 0 && Date.now() - t0 < 5_000) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(got, [rows[0].event_id], "the first event is on the wire");
    // The wall clock steps 7 s forward; 0.6 s of real time later the first send is still within its 3 s.
    clock.step = 7_000;
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(
      maxInFlight,
      1,
      `requests of contact 7 in flight at once: ${maxInFlight} (received ${got.map((id) => (id === rows[0].event_id ? "E1" : "E2")).join(", ")})`,
    );
  } finally {
    for (const res of held) if (!res.writableEnded) res.writeHead(200).end();
    await delivery?.stop();
    await new Promise((r) => server.close(() => r(undefined)));
    await store.close();
  }
});
