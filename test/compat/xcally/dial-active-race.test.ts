// Audit xcally12: a PUT of dialActive commits the stored switch, then sends the engine the command it chose
// from the status it read. Two PUTs one after the other (off, then on: a user toggling the queue) could
// leave the queue in the state the first asked for: the second read the queue still running and sent
// nothing, then the first's pause landed. The queue stayed paused with its switch on (read dialActive:
// false, nothing would resume it); the other order left it dialing with its switch off. Now a PUT that
// sent a command reads the queue again and brings it to the switch the last PUT committed (voice-routes.ts
// settleDialActive). Here the first request's command is held until the second has answered, so the
// interleaving is the same every run.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { dialects } from "../../helpers/stores.ts";
import { type Twin24Fixture, twin24Fixture } from "../twin24/helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever the route answered
type Ok = (method: string, url: string, payload?: unknown, status?: number) => Promise<any>;
type Command = "pause" | "resume";

/** Holds the engine's next `command` until release(); `reached` settles when it is waiting. */
function holdNext(f: Twin24Fixture, command: Command) {
  const engine = f.engine as unknown as Record<Command, (a: number, c: number) => Promise<unknown>>;
  const send = engine[command].bind(engine);
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let reach!: () => void;
  const reached = new Promise<void>((r) => {
    reach = r;
  });
  let held = false;
  engine[command] = async (a, c) => {
    if (!held) {
      held = true;
      reach();
      await gate;
    }
    return send(a, c);
  };
  return { reached, release };
}

for (const d of dialects()) {
  describe(`xcally: overlapping dialActive PUTs (${d.name})`, () => {
    async function withRunningQueue(fn: (f: Twin24Fixture, ok: Ok, id: number) => Promise<void>) {
      const f = await twin24Fixture({ scenario: "all_human", openStore: d.open });
      const ok: Ok = async (method, url, payload, status = 200) => {
        const r = await f.call({
          method: method as "POST",
          url,
          ...(payload === undefined ? {} : { payload: payload as object }),
        });
        assert.equal(r.statusCode, status, r.body);
        return r.json();
      };
      try {
        const list = await ok("POST", "/api/cm/lists", { name: "L" }, 201);
        const phones = Array.from({ length: 50 }, (_, i) => ({ phone: `+1212555${1000 + i}` }));
        await ok("POST", `/api/cm/lists/${list.id}/contacts`, phones, 201);
        const q = await ok("POST", "/api/voice/queues", { name: "Q", type: "outbound" }, 201);
        await ok("POST", `/api/voice/queues/${q.id}/lists`, { ids: [list.id] });
        assert.equal((await ok("GET", `/api/voice/queues/${q.id}`)).status, "running");
        await fn(f, ok, q.id);
      } finally {
        await f.close();
      }
    }

    /** PUTs dialActive `first`, its `command` held; then the opposite, to its answer; then lets it go. */
    async function overlapping(
      f: Twin24Fixture,
      ok: Ok,
      id: number,
      command: Command,
      first: boolean,
    ): Promise<void> {
      const hold = holdNext(f, command);
      const put = ok("PUT", `/api/voice/queues/${id}`, { dialActive: first });
      // Whichever comes first: the command held, or the PUT's answer (a failure, checked when awaited).
      const answeredFirst = await Promise.race([
        hold.reached.then(() => false),
        put.then(
          () => true,
          () => true,
        ),
      ]);
      assert.equal(answeredFirst, false, `the first PUT reached its ${command}`);
      await ok("PUT", `/api/voice/queues/${id}`, { dialActive: !first });
      hold.release();
      await put;
    }

    const state = async (ok: Ok, id: number) => {
      const read = await ok("GET", `/api/voice/queues/${id}`);
      return { status: read.status, dialActive: read.dialActive };
    };

    test("off, then on: the queue ends running, as the last PUT asked", () =>
      withRunningQueue(async (f, ok, id) => {
        await overlapping(f, ok, id, "pause", false);
        assert.deepEqual(await state(ok, id), { status: "running", dialActive: true });
      }));

    test("on, then off (a paused queue): the queue ends paused, dialing nobody", () =>
      withRunningQueue(async (f, ok, id) => {
        await ok("PUT", `/api/voice/queues/${id}`, { dialActive: false });
        await overlapping(f, ok, id, "resume", true);
        assert.deepEqual(await state(ok, id), { status: "paused", dialActive: false });
        const before = f.originated.length;
        await f.run(60_000);
        assert.equal(f.originated.length, before, "nobody dialed after the last PUT said off");
      }));

    test("PUTs one after the other, as before: off pauses, on resumes", () =>
      withRunningQueue(async (_f, ok, id) => {
        await ok("PUT", `/api/voice/queues/${id}`, { dialActive: false });
        assert.deepEqual(await state(ok, id), { status: "paused", dialActive: false });
        await ok("PUT", `/api/voice/queues/${id}`, { dialActive: true });
        assert.deepEqual(await state(ok, id), { status: "running", dialActive: true });
      }));
  });
}
