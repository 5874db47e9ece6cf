// CALL_REDIRECTED: a bot that transfers a person with secondExec = ch forwards the call to the channel; the
// event is written to the outbox with the call's other events (before its CALL_ENDED), and only then.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { dialects } from "../../helpers/stores.ts";
import { numbers, started, type Twin24Fixture, withFixture } from "./helpers.ts";

/** People who all ask the bot for an operator. */
const TRANSFERRING = { base: "all_human", transferRate: 1, talkSec: 20 };

const hook = (events: string[]) => ({
  url: "https://hooks.example/twin24",
  partialResults: true,
  events: Object.fromEntries(events.map((name) => [name, { name, value: true }])),
});

async function outbox(f: Twin24Fixture) {
  const rows = await f.store.db
    .selectFrom("webhook_deliveries")
    .select(["event_type", "order_key", "payload"])
    .orderBy("id")
    .execute();
  return rows.map((r) => ({ ...r, payload: JSON.parse(r.payload) }));
}

for (const dialect of dialects()) {
  describe(`CALL_REDIRECTED [${dialect.name}]`, () => {
    test("a bot forwarding to a channel: one event per call, naming the channel, before CALL_ENDED", () =>
      withFixture(
        TRANSFERRING,
        async (f) => {
          const phones = numbers(3);
          const uuid = await started(
            f,
            {
              secondExec: "ch",
              secondExecData: "operators-1",
              webhookUrls: [hook(["CALL_REDIRECTED", "CALL_ENDED"])],
            },
            phones.map((phone) => ({ phone })),
          );
          await f.run(600_000);
          const attempts = await f.attempts(uuid);
          assert.equal(attempts.length, 3);
          const rows = await outbox(f);
          const redirected = rows.filter((r) => r.event_type === "attempt.transferred");
          assert.equal(redirected.length, 3);
          for (const a of attempts) {
            const mine = rows.filter((r) => r.order_key === `contact:${a.contact_id}`);
            assert.deepEqual(
              mine.map((r) => r.event_type),
              ["attempt.transferred", "attempt.ended"],
            );
            const { transfer, attempt } = mine[0].payload.data;
            assert.equal(transfer.to, "operators-1");
            assert.equal(attempt.id, a.id);
            // The bot talked 20 s, then the channel took over until the end.
            const at = Date.parse(transfer.at);
            assert.ok(a.answered_at !== null && at > a.answered_at && at < (a.ended_at as number));
            assert.equal(Math.round(((a.ended_at as number) - at) / 1000), 20);
          }
        },
        dialect.open,
      ));

    test("secondExec end or ignore never redirects; a subscription without the event gets none", () =>
      withFixture(
        TRANSFERRING,
        async (f) => {
          for (const secondExec of ["end", "ignore"]) {
            await started(
              f,
              { secondExec, secondExecData: null, webhookUrls: [hook(["CALL_REDIRECTED", "CALL_ENDED"])] },
              [{ phone: numbers(1, 79163330000 + (secondExec === "end" ? 0 : 1))[0] }],
            );
          }
          await started(
            f,
            { secondExec: "ch", secondExecData: "operators-2", webhookUrls: [hook(["CALL_ENDED"])] },
            [{ phone: "+79164440000" }],
          );
          await f.run(600_000);
          const rows = await outbox(f);
          assert.equal(rows.filter((r) => r.event_type === "attempt.ended").length, 3);
          assert.equal(rows.filter((r) => r.event_type === "attempt.transferred").length, 0);
        },
        dialect.open,
      ));
  });
}
