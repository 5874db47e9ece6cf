// The agent's event stream reads the agent's state in the same synchronous step as it subscribes: a state
// change while the stream opens (a pause from another desktop) is in the first state or comes after it, so
// the desktop never shows a stale state for good.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  type ApiFixture,
  agentCampaign,
  agentShorthands,
  apiFixture,
  openEventStream,
  type StreamEvent,
} from "./helpers.ts";

/** The agent state a `state` event carries. */
const stateOf = (e: StreamEvent) => (e.data.agent as { state: string }).state;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("agent event stream: events between the first snapshot and the subscription", () => {
  let f: ApiFixture;
  let base: string;
  before(async () => {
    f = await apiFixture();
    base = await f.app.listen({ host: "127.0.0.1", port: 0 });
  });
  after(() => f.close());

  test("a pause by another desktop while the stream opens never reaches the stream", async () => {
    const { campaignId, agentIds } = await agentCampaign(f, {
      name: "sse",
      settings: { dialMethod: "progressive" },
      contacts: [],
      agents: ["Ann"],
    });
    const [ann] = agentIds;
    const login = await f.call({ method: "POST", url: `/v1/agents/${ann}/login`, payload: { campaignId } });
    assert.equal(login.statusCode, 200);
    const desk = f.engine.agents;
    const orig = desk.state.bind(desk);
    // Another desktop's pause arrives just as the stream has read the state (its request is underway).
    (desk as { state: typeof orig }).state = async (a: number, id: number) => {
      const s = await orig(a, id);
      void desk.pause(a, id, "lunch");
      return s;
    };
    const s = await openEventStream(`${base}/v1/agents/${ann}/events`, `Bearer ${f.key}`);
    (desk as { state: typeof orig }).state = orig;
    // The pause's event crosses a socket to the reader in this process: up to 5 s for it (a busy machine),
    // while a stream that missed it would never show it.
    const shownNow = () => s.events.filter((e) => e.event === "state").map(stateOf);
    await sleep(300);
    for (const end = Date.now() + 5000; shownNow().at(-1) !== "paused" && Date.now() < end; ) await sleep(20);
    const actual = f.engine.board.get(ann)?.state;
    const shown = shownNow();
    s.close();
    assert.equal(actual, "paused");
    assert.equal(shown.at(-1), "paused", "the stream's last state is the agent's state");
  });

  test("natural race: stream opened concurrently with POST pause/ready (30 rounds)", async () => {
    const { campaignId, agentIds } = await agentCampaign(f, {
      name: "sse2",
      settings: { dialMethod: "progressive" },
      contacts: [],
      agents: ["Bob"],
    });
    const [bob] = agentIds;
    await f.call({ method: "POST", url: `/v1/agents/${bob}/login`, payload: { campaignId } });
    let stale = 0;
    for (let i = 0; i < 30; i++) {
      const target = i % 2 === 0 ? "pause" : "ready";
      const [s] = await Promise.all([
        openEventStream(`${base}/v1/agents/${bob}/events`, `Bearer ${f.key}`),
        fetch(`${base}/v1/agents/${bob}/${target}`, {
          method: "POST",
          headers: { authorization: `Bearer ${f.key}`, "content-type": "application/json" },
          body: "{}",
        }),
      ]);
      // The change's event reaches the reader over a socket: given up to 2 s (a busy machine) to come; a
      // stream that missed it stays stale.
      const last = () =>
        s.events
          .filter((e) => e.event === "state")
          .map(stateOf)
          .at(-1);
      await sleep(30);
      for (const end = Date.now() + 2000; last() !== f.engine.board.get(bob)?.state && Date.now() < end; )
        await sleep(10);
      if (last() !== f.engine.board.get(bob)?.state) stale++;
      s.close();
    }
    assert.equal(stale, 0);
  });

  test("a stream that reconnects while the agent is on a call, then in its wrap-up, is shown the contact again", async () => {
    const { campaignId, agentIds } = await agentCampaign(f, {
      name: "sse-reconnect",
      settings: {
        dialMethod: "progressive",
        wrapUpSec: 600,
        scenario: JSON.stringify({ outcomes: { human: 1 }, talkSec: { kind: "fixed", value: 60 } }),
      },
      contacts: [{ phone: "+12125551234", custom: { name: "Zoe" } }],
      agents: ["Cy"],
    });
    const [cy] = agentIds;
    const { post, state, advanceUntil } = agentShorthands(() => f);
    assert.equal((await post(`/v1/agents/${cy}/login`, { campaignId })).statusCode, 200);
    const before = await openEventStream(`${base}/v1/agents/${cy}/events`, `Bearer ${f.key}`);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    await advanceUntil(() => state(cy) === "on_call");
    for (const end = Date.now() + 5000; !before.events.some((e) => e.event === "call") && Date.now() < end; )
      await sleep(20);
    const call = before.events.find((e) => e.event === "call");
    before.close();
    assert.ok(call, "the first stream was shown the call");
    const reconnect = async (expected: string) => {
      const s = await openEventStream(`${base}/v1/agents/${cy}/events`, `Bearer ${f.key}`);
      for (const end = Date.now() + 5000; s.events.length < 2 && Date.now() < end; ) await sleep(20);
      s.close();
      assert.deepEqual(
        s.events.map((e) => e.event),
        ["state", "call"],
      );
      assert.equal(stateOf(s.events[0]), expected);
      assert.deepEqual(s.events[1].data, call.data, "the same card as the call event");
      assert.equal((s.events[1].data.contact as { data: { name: string } }).data.name, "Zoe");
    };
    await reconnect("on_call");
    await advanceUntil(() => state(cy) === "wrap_up");
    await reconnect("wrap_up");
    const holdsNone = async (why: string) => {
      const idle = await openEventStream(`${base}/v1/agents/${cy}/events`, `Bearer ${f.key}`);
      await sleep(300);
      idle.close();
      assert.deepEqual(
        idle.events.map((e) => e.event),
        ["state"],
        why,
      );
    };
    // Paused out of its wrap-up: the call is over, though its disposition may still come.
    assert.equal((await post(`/v1/agents/${cy}/pause`, { reason: "lunch" })).statusCode, 200);
    await holdsNone("a paused agent holds no call: no card");
    assert.equal((await post(`/v1/agents/${cy}/ready`)).statusCode, 200);
    await holdsNone("a ready agent holds no call: no card");
  });
});
