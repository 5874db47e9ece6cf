// Xcally Motion queues dialing on the virtual clock: the AMD parameters reach the driver and bound its
// verdicts, a queue refused for the balance leaves nothing behind, a completed queue given new contacts is
// recovered, dialOrderByScheduledAt orders the hopper, and retry counts and frequencies space the calls.
// The app fixture is the one the Twin24 tests use (Xcally's routes take its API key, as every face does).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { sql } from "kysely";
import type { Store } from "../../../src/store/db.ts";
import { dialects } from "../../helpers/stores.ts";
import { type Twin24Fixture, twin24Fixture } from "../twin24/helpers.ts";

const MINUTE = 60_000;

async function onQueues(
  scenario: string | Record<string, unknown>,
  open: () => Promise<Store>,
  fn: (x: ReturnType<typeof xcally>) => Promise<void>,
): Promise<void> {
  const f = await twin24Fixture({ scenario, openStore: open });
  try {
    await fn(xcally(f));
  } finally {
    await f.close();
  }
}

function xcally(f: Twin24Fixture) {
  const send = (method: string, url: string, payload?: unknown) =>
    f.call({
      method: method as "POST",
      url,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const ok = async (method: string, url: string, payload: unknown, status: number) => {
    const res = await send(method, url, payload);
    assert.equal(res.statusCode, status, res.body);
    return res.json();
  };
  return {
    f,
    send,
    queue: (body: Record<string, unknown>) =>
      ok("POST", "/api/voice/queues", { type: "outbound", ...body }, 201) as Promise<{ id: number }>,
    /** A new list holding `phones`, linked to `queueId`. */
    async linkedList(queueId: number, phones: string[]): Promise<number> {
      const list = await ok("POST", "/api/cm/lists", { name: `list ${phones[0]}` }, 201);
      await ok(
        "POST",
        `/api/cm/lists/${list.id}/contacts`,
        phones.map((phone) => ({ phone })),
        201,
      );
      await ok("POST", `/api/voice/queues/${queueId}/lists`, { ids: [list.id] }, 200);
      return list.id;
    },
    status: async (id: number) =>
      (
        await f.store.db
          .selectFrom("campaigns")
          .select("status")
          .where("id", "=", id)
          .executeTakeFirstOrThrow()
      ).status,
    attempts: (id: number) =>
      f.store.db.selectFrom("attempts").selectAll().where("campaign_id", "=", id).orderBy("id").execute(),
    topUp: (amountUsd: number) => ok("POST", "/v1/balance/top-up", { amountUsd }, 200),
  };
}

const phones = (n: number, base: number) => Array.from({ length: n }, (_, i) => `+1415555${base + i}`);

for (const dialect of dialects()) {
  describe(`Xcally queues dialing [${dialect.name}]`, () => {
    test("AMD: the dialAMD* fields reach the driver; machines are hung up after the greeting, within the total", () =>
      onQueues(
        {
          outcomes: { human: 1, machine: 1 },
          amdAccuracy: 1,
          amdSec: { kind: "uniform", min: 0.2, max: 9 },
          ringSec: 5,
          talkSec: 30,
        },
        dialect.open,
        async (x) => {
          const q = await x.queue({
            name: "amd",
            dialAMDActive: true,
            dialAMDGreeting: 2000,
            dialAMDAfterGreetingSilence: 800,
            dialAMDTotalAnalysisTime: 3000,
          });
          await x.linkedList(q.id, phones(40, 1000));
          await x.f.run(10 * MINUTE);
          assert.deepEqual(x.f.originated[0].amd, {
            enabled: true,
            mode: "blocking",
            params: { greeting: 2000, afterGreetingSilence: 800, totalAnalysisTime: 3000 },
          });
          const attempts = await x.attempts(q.id);
          assert.equal(attempts.length, 40);
          const machines = attempts.filter((a) => a.outcome === "machine");
          const people = attempts.filter((a) => a.outcome === "human");
          assert.ok(machines.length > 5 && people.length > 5);
          for (const a of machines) {
            assert.ok((a.talk_sec as number) >= 2 && (a.talk_sec as number) <= 3, `machine: ${a.talk_sec} s`);
          }
          assert.ok(
            machines.some((a) => a.talk_sec === 3),
            "a slow detector is cut off at the total",
          );
          for (const a of people) {
            // The engine hears of the answer at the verdict: after the silence, within the total.
            const ringMs = (JSON.parse(a.details as string).ringSec as number) * 1000;
            const verdictMs = (a.answered_at as number) - a.started_at - ringMs;
            assert.ok(verdictMs >= 798 && verdictMs <= 3002, `person: verdict after ${verdictMs} ms`);
          }
        },
      ));

    test("under 1 USD an active queue is refused and nothing is left; an inactive one waits for a top-up", () =>
      onQueues("all_human", dialect.open, async (x) => {
        await x.topUp(0.5);
        const count = async () =>
          (
            await x.f.store.db
              .selectFrom("campaigns")
              .select("id")
              .where("account_id", "=", x.f.accountId)
              .execute()
          ).length;
        const before = await count();
        const refused = await x.send("POST", "/api/voice/queues", { name: "poor", type: "outbound" });
        assert.equal(refused.statusCode, 409, refused.body);
        assert.equal(refused.json().error.code, "insufficient_balance");
        assert.equal(await count(), before, "no draft campaign left behind");

        const idle = await x.queue({ name: "idle", dialActive: false });
        assert.equal(await x.status(idle.id), "draft");
        await x.linkedList(idle.id, phones(1, 2000));
        const on = () => x.send("PUT", `/api/voice/queues/${idle.id}`, { dialActive: true });
        assert.equal((await on()).statusCode, 409);
        assert.equal(await x.status(idle.id), "draft");
        await x.topUp(20);
        const started = await on();
        assert.equal(started.statusCode, 200, started.body);
        assert.equal(started.json().dialActive, true);
        await x.f.run(10 * MINUTE);
        assert.equal((await x.attempts(idle.id)).length, 1);
      }));

    test("a PUT that would start a queue under 1 USD is refused whole: the queue stays as it was", () =>
      onQueues("all_human", dialect.open, async (x) => {
        const q = await x.queue({ name: "TestCampaign", dialActive: false, dialBusyMaxRetry: 3 });
        await x.topUp(0.5);
        const put = await x.send("PUT", `/api/voice/queues/${q.id}`, {
          name: "renamed",
          dialActive: true,
          dialBusyMaxRetry: 9,
          dialOrderByScheduledAt: "ASC",
        });
        assert.equal(put.statusCode, 409, put.body);
        assert.equal(put.json().error.code, "insufficient_balance");
        const after = (await x.send("GET", `/api/voice/queues/${q.id}`)).json();
        assert.deepEqual(
          [after.name, after.dialBusyMaxRetry, after.dialOrderByScheduledAt, after.status],
          ["TestCampaign", 3, "DESC", "draft"],
        );
        // Without a start, an edit under 1 USD is no problem.
        const edit = await x.send("PUT", `/api/voice/queues/${q.id}`, { name: "renamed" });
        assert.equal(edit.statusCode, 200, edit.body);
      }));

    test("concurrent PUTs both land, and a scheduled-order flip sent twice at once flips the priorities once", () =>
      onQueues("all_human", dialect.open, async (x) => {
        const q = await x.queue({ name: "race", dialActive: false, dialBusyMaxRetry: 3 });
        await x.linkedList(q.id, phones(5, 1000));
        const puts = await Promise.all([
          x.send("PUT", `/api/voice/queues/${q.id}`, { dialOrderByScheduledAt: "ASC", dialBusyMaxRetry: 5 }),
          x.send("PUT", `/api/voice/queues/${q.id}`, {
            dialOrderByScheduledAt: "ASC",
            dialNoAnswerMaxRetry: 6,
          }),
          x.send("PUT", `/api/voice/queues/${q.id}`, { name: "race renamed" }),
        ]);
        for (const put of puts) assert.equal(put.statusCode, 200, put.body);
        const after = (await x.send("GET", `/api/voice/queues/${q.id}`)).json();
        assert.deepEqual(
          [after.name, after.dialBusyMaxRetry, after.dialNoAnswerMaxRetry, after.dialOrderByScheduledAt],
          ["race renamed", 5, 6, "ASC"],
        );
        // ASC: a contact's priority is its scheduled second, positive (DESC negates it).
        const priorities = await x.f.store.db
          .selectFrom("contacts")
          .select("priority")
          .where("campaign_id", "=", q.id)
          .execute();
        assert.equal(priorities.length, 5);
        for (const p of priorities) assert.ok(p.priority > 0, `priority ${p.priority} in ASC order`);
      }));

    test("a bulk add that fails part-way leaves nothing: no contact in the list, none copied to its queue", () =>
      onQueues("all_human", dialect.open, async (x) => {
        const q = await x.queue({ name: "tx", dialActive: false });
        const list = await x.linkedList(q.id, phones(1, 4000));
        const bad = phones(1, 4550)[0];
        // The copy of the 551st contact into the queue's campaign fails (a trigger standing in for any error).
        if (dialect.name === "sqlite") {
          await sql`CREATE TRIGGER boom BEFORE INSERT ON contacts WHEN NEW.phone = ${sql.lit(bad)}
            BEGIN SELECT RAISE(ABORT, 'boom'); END`.execute(x.f.store.db);
        } else {
          await sql`CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
            IF NEW.phone = ${sql.lit(bad)} THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$`.execute(
            x.f.store.db,
          );
          await sql`CREATE TRIGGER boom BEFORE INSERT ON contacts FOR EACH ROW EXECUTE FUNCTION boom()`.execute(
            x.f.store.db,
          );
        }
        const batch = phones(600, 4000 + 1).map((phone) => ({ phone }));
        const res = await x.send("POST", `/api/cm/lists/${list}/contacts`, batch);
        assert.equal(res.statusCode, 500, res.body);
        const count = async (table: "xcally_contacts" | "contacts", column: string, id: number) =>
          (
            await x.f.store.db
              .withTables<{ xcally_contacts: { list_id: number } }>()
              .selectFrom(table)
              .select((e) => e.fn.countAll<number>().as("n"))
              .where(column as "list_id", "=", id)
              .executeTakeFirstOrThrow()
          ).n;
        assert.equal(Number(await count("xcally_contacts", "list_id", list)), 1, "only the first contact");
        assert.equal(Number(await count("contacts", "campaign_id", q.id)), 1, "only its copy");
      }));

    test("a completed queue is recovered when a list is linked or a linked list grows; new contacts are dialed", () =>
      onQueues("all_human", dialect.open, async (x) => {
        const q = await x.queue({ name: "again" });
        const first = await x.linkedList(q.id, phones(2, 3000));
        await x.f.run(10 * MINUTE);
        assert.equal(await x.status(q.id), "completed");

        await x.linkedList(q.id, phones(1, 3100));
        assert.equal(await x.status(q.id), "running", "linking a list recovered it");
        await x.f.run(10 * MINUTE);
        assert.equal(await x.status(q.id), "completed");
        assert.deepEqual(
          (await x.attempts(q.id)).map((a) => a.phone),
          [...phones(2, 3000), ...phones(1, 3100)],
        );

        // A contact added to a linked list under 1 USD is kept; the queue waits for a top-up.
        await x.topUp(0.5);
        const added = await x.send("POST", "/api/cm/contacts", { phone: phones(1, 3200)[0], ListId: first });
        assert.equal(added.statusCode, 201, added.body);
        assert.equal(await x.status(q.id), "completed");
        await x.topUp(20);
        await x.send("POST", "/api/cm/contacts", { phone: phones(1, 3300)[0], ListId: first });
        assert.equal(await x.status(q.id), "running", "a linked list that grows recovers it");
        await x.f.run(10 * MINUTE);
        assert.deepEqual(
          (await x.attempts(q.id))
            .map((a) => a.phone)
            .slice(3)
            .sort(),
          [phones(1, 3200)[0], phones(1, 3300)[0]],
        );
      }));

    test("retry counts and frequencies per disposition, capped by dialGlobalMaxRetry", async () => {
      const cases = [
        // busy twice more, 150 s after each call ends (Motion's frequencies are minutes)
        {
          scenario: "always_busy",
          body: { dialBusyMaxRetry: 2, dialBusyRetryFrequency: 2.5 },
          calls: 3,
          gap: 150,
        },
        // no answer once more, 300 s later
        {
          scenario: "always_no_answer",
          body: { dialNoAnswerMaxRetry: 1, dialNoAnswerRetryFrequency: 5 },
          calls: 2,
          gap: 300,
        },
        // five busy retries allowed, but only two retries in all
        {
          scenario: "always_busy",
          body: { dialBusyMaxRetry: 5, dialBusyRetryFrequency: 1, dialGlobalMaxRetry: 2 },
          calls: 3,
          gap: 60,
        },
      ];
      for (const c of cases) {
        await onQueues(c.scenario, dialect.open, async (x) => {
          const q = await x.queue({ name: `retries ${c.scenario}`, dialGlobalMaxRetry: 4, ...c.body });
          await x.linkedList(q.id, phones(1, 3400));
          await x.f.run(60 * MINUTE);
          const attempts = await x.attempts(q.id);
          assert.equal(attempts.length, c.calls, JSON.stringify(c.body));
          for (let i = 1; i < attempts.length; i++) {
            const waited = attempts[i].started_at - Number(attempts[i - 1].ended_at);
            assert.ok(waited >= c.gap * 1000 && waited < c.gap * 1000 + 1000, `waited ${waited} ms`);
          }
          assert.equal(await x.status(q.id), "completed");
        });
      }
    });

    test("dialOrderByScheduledAt: DESC dials the newest contacts first, ASC the oldest; a change turns it", () =>
      onQueues("all_human", dialect.open, async (x) => {
        const older = phones(3, 4000);
        const newer = phones(3, 4100);
        const dialedOrder = async (body: Record<string, unknown>, activate: Record<string, unknown> = {}) => {
          const q = await x.queue({ name: JSON.stringify(body), dialActive: false, ...body });
          await x.linkedList(q.id, older);
          await x.f.run(MINUTE);
          await x.linkedList(q.id, newer);
          const from = x.f.originated.length;
          const put = await x.send("PUT", `/api/voice/queues/${q.id}`, { dialActive: true, ...activate });
          assert.equal(put.statusCode, 200, put.body);
          await x.f.run(10 * MINUTE);
          return x.f.originated.slice(from).map((r) => r.to);
        };
        assert.deepEqual(await dialedOrder({}), [...newer, ...older], "Motion's default is DESC");
        assert.deepEqual(await dialedOrder({ dialOrderByScheduledAt: "ASC" }), [...older, ...newer]);
        assert.deepEqual(
          await dialedOrder({ dialOrderByScheduledAt: "ASC" }, { dialOrderByScheduledAt: "desc" }),
          [...newer, ...older],
        );
      }));
  });
}
