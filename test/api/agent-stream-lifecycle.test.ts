// How an agent event stream opens and ends when its client or credential changes under it. A client gone
// while the route awaits the agent's row leaves no stream behind (its "close" came before anyone
// listened: the stream would stay subscribed, rechecking its credential every 5 s, for good). A key
// revoked while the stream opens is refused with a 401, not streamed to with a stamp (null) that every
// later check finds unchanged. A client that stops reading (a laptop asleep, a stalled proxy) is dropped
// once about 1 MiB waits for it, where the server buffered every event without bound (8.2 MB after 30,000
// events in the audit); it reconnects and opens with a fresh snapshot, as after any drop.
import assert from "node:assert/strict";
import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { type ApiFixture, agentCampaign, apiFixture } from "./helpers.ts";

/** The stream's bound (MAX_BUFFERED_BYTES in src/api/native/agent-actions.ts), and room for the one event
 *  that crosses it. */
const BOUND_BYTES = 1024 * 1024 + 4096;

/** Holds the route's read of the agent's row (desk.state) until `release()`: the stream is then mid-open.
 *  `then` runs once the row is read, before the route goes on. */
function holdStateRead(f: ApiFixture, then: () => Promise<void> = async () => {}) {
  const desk = f.engine.agents;
  const orig = desk.state.bind(desk);
  let reached = () => {};
  let release = () => {};
  const reachedNow = new Promise<void>((r) => {
    reached = r;
  });
  const gate = new Promise<void>((r) => {
    release = r;
  });
  (desk as { state: typeof orig }).state = async (accountId: number, agentId: number) => {
    reached();
    await gate;
    const s = await orig(accountId, agentId);
    await then();
    return s;
  };
  return { reached: reachedNow, release, restore: () => Object.assign(desk, { state: orig }) };
}

/** The server side of the next request to `url`. */
function nextRequest(f: ApiFixture, url: string): Promise<{ req: IncomingMessage; res: ServerResponse }> {
  return new Promise((resolve) => {
    const seen = (req: IncomingMessage, res: ServerResponse) => {
      if (req.url !== url) return;
      f.app.server.off("request", seen);
      resolve({ req, res });
    };
    f.app.server.on("request", seen);
  });
}

/** A raw client that sends `GET url` and reads nothing until told (fetch would read for it). */
async function rawGet(port: number, url: string, key: string): Promise<net.Socket> {
  const sock = net.connect({ port, host: "127.0.0.1" });
  sock.on("error", () => {}); // a dropped stream may come as a reset
  await once(sock, "connect");
  sock.pause();
  sock.write(
    `GET ${url} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nAccept: text/event-stream\r\n\r\n`,
  );
  return sock;
}

describe("agent event streams: opening and ending", () => {
  let f: ApiFixture;
  let base: string;
  let port: number;
  before(async () => {
    f = await apiFixture();
    base = await f.app.listen({ host: "127.0.0.1", port: 0 });
    port = Number(new URL(base).port);
  });
  after(() => f.close());

  test("a client gone while its stream opens leaves no subscription behind", async () => {
    const { agentIds } = await agentCampaign(f, {
      name: "gone-early",
      settings: { dialMethod: "progressive" },
      contacts: [],
      agents: ["Ann"],
    });
    const [ann] = agentIds;
    const desk = f.engine.agents;
    const watch = desk.watch.bind(desk);
    let watching = 0;
    (desk as { watch: typeof watch }).watch = (agentId, send) => {
      watching++;
      const stop = watch(agentId, send);
      return () => {
        watching--;
        stop();
      };
    };
    const held = holdStateRead(f);
    try {
      const url = `/v1/agents/${ann}/events`;
      const server = nextRequest(f, url);
      const sock = await rawGet(port, url, f.key);
      const { req, res } = await server;
      await held.reached;
      sock.destroy();
      // The server has seen the client go, before the route listens ("aborted" comes as an error first).
      await new Promise((resolve) => req.once("close", resolve));
      // The route has answered once it opened the stream (a head) or gave it up (an end or a destroy).
      const answered = new Promise<void>((resolve) => {
        for (const name of ["writeHead", "end", "destroy"] as const) {
          const orig = res[name].bind(res) as (...args: unknown[]) => unknown;
          Object.assign(res, {
            [name]: (...args: unknown[]) => {
              resolve();
              return orig(...args);
            },
          });
        }
      });
      held.release();
      await answered;
      assert.equal(watching, 0, "the stream of a client that went away still watches the agent");
    } finally {
      held.restore();
      Object.assign(desk, { watch });
    }
  });

  test("a key revoked while its stream opens is refused with a 401", async () => {
    const { campaignId, agentIds } = await agentCampaign(f, {
      name: "revoked-early",
      settings: { dialMethod: "progressive" },
      contacts: [],
      agents: ["Bea"],
    });
    const [bea] = agentIds;
    const login = await f.call({ method: "POST", url: `/v1/agents/${bea}/login`, payload: { campaignId } });
    assert.equal(login.statusCode, 200);
    const issued = await f.call({
      method: "POST",
      url: "/v1/api-keys",
      payload: { name: "sup", role: "supervisor" },
    });
    const key = issued.json() as { id: number; key: string };
    // The owner revokes the supervisor's key just as its desktop's stream has read the agent's row.
    const held = holdStateRead(f, async () => {
      const del = await f.call({ method: "DELETE", url: `/v1/api-keys/${key.id}` });
      assert.equal(del.statusCode, 204);
    });
    held.release();
    const controller = new AbortController();
    try {
      const res = await fetch(`${base}/v1/agents/${bea}/events`, {
        headers: { authorization: `Bearer ${key.key}` },
        signal: controller.signal,
      });
      assert.equal(res.status, 401, "the revoked key's stream was opened");
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, "unauthorized");
    } finally {
      controller.abort();
      held.restore();
    }
  });

  test("a client that stops reading is dropped once about 1 MiB waits for it", async () => {
    const { campaignId, agentIds } = await agentCampaign(f, {
      name: "stalled",
      settings: { dialMethod: "progressive" },
      contacts: [],
      agents: ["Cy"],
    });
    const [cy] = agentIds;
    const login = await f.call({ method: "POST", url: `/v1/agents/${cy}/login`, payload: { campaignId } });
    assert.equal(login.statusCode, 200);
    const server = nextRequest(f, "/v1/agents/events");
    const sock = await rawGet(port, "/v1/agents/events", f.key);
    const { res } = await server;
    // The floor goes on: the agent pauses and comes back (one state event each, ~280 bytes), up to 8 MB of
    // events, far past the bound and what the sockets' kernel buffers take.
    const desk = f.engine.agents;
    let peak = 0;
    for (let i = 0; i < 15_000 && !res.destroyed; i++) {
      await desk.pause(f.accountId, cy, `break ${i}`);
      await desk.ready(f.accountId, cy);
      peak = Math.max(peak, res.writableLength);
    }
    assert.ok(res.destroyed, "the stream of a client that reads nothing is still open");
    assert.ok(peak <= BOUND_BYTES, `the server buffered ${peak} bytes for a client that reads nothing`);
    // The client sees its connection end (and reconnects, as after any drop).
    sock.resume();
    if (!sock.closed) await once(sock, "close");
  });
});
