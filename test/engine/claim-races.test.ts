// A pause, a stop or a shutdown that lands while the dispatcher's claim is in the database (an API request served
// between the claim's statements and its return): the contacts that claim took are given back undialed,
// not dialed after the campaign was paused or stopped or the process began to shut down.
import assert from "node:assert/strict";
import { test } from "node:test";
import { queueAgents } from "../helpers/agents.ts";
import { type Harness, harness } from "../helpers/engine-harness.ts";

const twentyContacts = (h: Harness) =>
  h.campaign(
    { maxConcurrent: 5, maxAttemptsPerContact: 2 },
    Array.from({ length: 20 }, (_, i) => ({ phones: [`+1202555${String(1000 + i)}`] })),
  );

for (const command of ["pause", "stop", "shutdown"] as const) {
  test(`a ${command} served while a claim runs: nothing that claim took is dialed`, async () => {
    const h = await harness({ start: Date.UTC(2026, 0, 5, 15, 0, 0) });
    try {
      const id = await twentyContacts(h);
      const dispatch = h.engine.dispatch;
      const claim = dispatch.claim.bind(dispatch);
      let commanded = false;
      let shuttingDown: Promise<void> = Promise.resolve();
      dispatch.claim = async (req) => {
        const result = await claim(req);
        if (!commanded && result.started.length > 0) {
          commanded = true;
          // A shutdown (SIGTERM) is not awaited here: it waits for the pass, which waits for this claim.
          if (command === "shutdown") shuttingDown = h.engine.shutdown();
          else await h.engine[command](h.accountId, id);
        }
        return result;
      };
      await h.engine.start(h.accountId, id);
      await h.clock.run({ until: h.clock.now() + 600_000 });
      await shuttingDown;
      assert.ok(commanded, "the command ran during a claim");
      assert.equal(h.originated.length, 0, `${h.originated.length} calls dialed after the ${command}`);
      const contacts = await h.contacts(id);
      assert.deepEqual(
        contacts.filter((c) => c.status !== "pending").map((c) => c.status),
        [],
        "every contact is back to pending",
      );
      assert.equal((await h.attempts(id)).length, 0, "no attempt counted");
      assert.equal(h.engine.dispatcher.inFlight, 0);
    } finally {
      await h.close();
    }
  });
}

test("a pause served while an agent's preview claim runs: the agent is offered nothing and dials nothing", async () => {
  const h = await harness({ start: Date.UTC(2026, 0, 5, 15, 0, 0), scenario: "all_human" });
  try {
    const id = await h.campaign({ dialMethod: "preview", maxAttemptsPerContact: 1 }, [
      { phones: ["+12025551001"] },
      { phones: ["+12025551002"] },
    ]);
    const [agent] = await queueAgents(h, id, 1);
    await h.engine.agents.login(h.accountId, agent, id);
    await h.engine.start(h.accountId, id);
    await h.clock.run({ until: h.clock.now() + 1000 });
    const dispatch = h.engine.dispatch;
    const claim = dispatch.claim.bind(dispatch);
    dispatch.claim = async (req) => {
      const result = await claim(req);
      if (req.reserve && result.started.length > 0) await h.engine.pause(h.accountId, id);
      return result;
    };
    const offered = await h.engine.agents.previewNext(h.accountId, agent);
    if (offered) {
      await h.engine.agents.previewDial(h.accountId, agent).catch(() => {});
    }
    await h.clock.run({ until: h.clock.now() + 60_000 });
    assert.equal(h.originated.length, 0, "nothing dialed after the pause");
    assert.equal(offered, null, "nothing offered from a paused campaign");
    assert.deepEqual(
      (await h.contacts(id)).map((c) => [c.status, c.attempts]),
      [
        ["pending", 0],
        ["pending", 0],
      ],
    );
    assert.equal((await h.attempts(id)).length, 0);
  } finally {
    await h.close();
  }
});

test("a shutdown waits for the pass under way: when it returns, what that pass claimed is given back", async () => {
  const h = await harness({ start: Date.UTC(2026, 0, 5, 15, 0, 0) });
  try {
    const id = await twentyContacts(h);
    const dispatch = h.engine.dispatch;
    const claim = dispatch.claim.bind(dispatch);
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let held = false;
    dispatch.claim = async (req) => {
      const result = await claim(req);
      if (!held && result.started.length > 0) {
        held = true;
        await gate; // the claim is written; its return is slow (a busy database, say)
      }
      return result;
    };
    await h.engine.start(h.accountId, id);
    const running = h.clock.run({ until: h.clock.now() + 1000 });
    while (!held) await new Promise((r) => setImmediate(r));
    // SIGTERM arrives now; `serve` closes the store as soon as the engine's shutdown returns.
    let statusesAtShutdown: string[] | null = null;
    const shutdown = h.engine.shutdown().then(async () => {
      statusesAtShutdown = (await h.contacts(id)).map((c) => c.status);
    });
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    release();
    await shutdown;
    await running;
    assert.ok(statusesAtShutdown, "the shutdown returned");
    assert.deepEqual(
      (statusesAtShutdown as string[]).filter((s) => s !== "pending"),
      [],
      "every contact the pass claimed is back to pending when the shutdown returns",
    );
    assert.equal(h.originated.length, 0, "nothing dialed");
  } finally {
    await h.close();
  }
});
