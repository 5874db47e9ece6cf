// The agent desktop's side of the native API: log in to a campaign's queue, go ready, pause, end wrap-up,
// hang up, preview (next, dial, skip), the agent's live state and its event stream
// (Server-Sent Events), a supervisor's stream of every agent, and a campaign's abandonment rates. Checked
// for who may act as which agent here (requireActingAgent); decided by the engine's desk.

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AgentEvent, AgentSnapshot, ContactCard } from "../../engine/agents/board.ts";
import { agentForUser } from "../../store/agents.ts";
import { credentialStamp } from "../plugins/auth.ts";
import { ApiError } from "../plugins/errors.ts";
import { textAnswer } from "../plugins/openapi.ts";
import { requireActingAgent } from "./agents.ts";
import type { NativeApiDeps } from "./deps.ts";
import { errorResponses, idParams, idSchema, isoTimeOrNull } from "./schemas/common.ts";
import { iso } from "./views.ts";

/** The event streams' 200 as documented: an event stream, where their refusals are JSON. */
const EVENT_STREAM = { 200: textAnswer("Server-Sent Events", "text/event-stream") };

const statsSchema = {
  type: "object",
  description: "Milliseconds in each state since login, and calls taken",
  properties: Object.fromEntries(
    ["loggedInMs", "readyMs", "reservedMs", "onCallMs", "wrapUpMs", "pausedMs", "calls"].map((k) => [
      k,
      { type: "integer" },
    ]),
  ),
} as const;

const agentStateSchema = {
  type: "object",
  properties: {
    agent_id: { type: "integer" },
    name: { type: "string" },
    state: { type: "string", enum: ["logged_out", "ready", "reserved", "on_call", "wrap_up", "paused"] },
    since: isoTimeOrNull,
    campaign_id: { type: ["integer", "null"] },
    pause_reason: { type: ["string", "null"] },
    attempt_id: { type: ["integer", "null"], description: "The call the agent is on or was offered" },
    last_attempt_id: { type: ["integer", "null"], description: "The call a disposition applies to" },
    stats: statsSchema,
  },
} as const;

const contactCardSchema = {
  type: "object",
  properties: {
    contact_id: { type: "integer" },
    attempt_id: { type: "integer" },
    phone: { type: "string" },
    phones: { type: "array", items: { type: "string" } },
    time_zone: { type: ["string", "null"] },
    attempts: { type: "integer" },
    data: { type: "object", additionalProperties: true },
  },
} as const;

function stateView(s: AgentSnapshot) {
  return {
    agent_id: s.agentId,
    name: s.name,
    state: s.state,
    since: s.since === null ? null : iso(s.since),
    campaign_id: s.campaignId,
    pause_reason: s.pauseReason,
    attempt_id: s.attemptId,
    last_attempt_id: s.lastAttemptId,
    stats: s.stats,
  };
}

function cardView(c: ContactCard) {
  return {
    contact_id: c.contactId,
    attempt_id: c.attemptId,
    phone: c.phone,
    phones: c.phones,
    time_zone: c.timeZone,
    attempts: c.attempts,
    data: c.data,
  };
}

function eventView(e: AgentEvent) {
  const at = iso(e.at);
  switch (e.type) {
    case "state":
      return { type: e.type, at, agent: stateView(e.agent) };
    case "offer":
    case "callback":
      return { type: e.type, at, contact: cardView(e.contact) };
    case "call":
      return { type: e.type, at, contact: cardView(e.contact), wait_ms: e.waitMs };
    case "call_ended":
      return { type: e.type, at, attempt_id: e.attemptId, outcome: e.outcome, talk_sec: e.talkSec };
  }
}

/** How often an open stream checks that its credential still holds (revoked, disabled, role changed). */
const RECHECK_MS = 5000;
const KEEP_ALIVE_MS = 15_000;
/** The most a stream holds for a client that stopped reading (a laptop asleep, a stalled proxy) before
 *  it is dropped: about 3,700 state events (~280 bytes each). Dropped rather than skipping events: the
 *  client reconnects, as after any drop, and opens with a fresh snapshot, where skipped events would
 *  leave its view silently stale. Unbounded, the audit measured 8.2 MB after 30,000 events. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/** The credential's stamp as the stream opens (see `credentialStamp`), taken after the route's awaits: a
 *  credential revoked meanwhile is refused here, not streamed to with a null stamp that every later check
 *  would find unchanged. */
async function openingStamp(req: FastifyRequest, deps: NativeApiDeps): Promise<string> {
  const stamp = await credentialStamp(req, deps);
  if (stamp === null) throw new ApiError("unauthorized", 401, "the credential was revoked or disabled");
  return stamp;
}

/** Whether the credential still is the one the stream opened with: never once revoked (its stamp is
 *  then null, and the opening stamp never is). */
async function sameCredential(req: FastifyRequest, deps: NativeApiDeps, stamp: string): Promise<boolean> {
  return (await credentialStamp(req, deps)) === stamp;
}

/** Holds the response open as an event stream: one `event:`/`data:` pair per event, a comment every 15 s
 *  so proxies keep the connection, until the client goes away, stops reading (MAX_BUFFERED_BYTES), its
 *  credential stops allowing it (`allowed`, asked every 5 s), or the server closes (`open` holds each
 *  stream's end, for the server's close to call: a desktop left open must not hold a shutdown forever). */
function stream(
  req: FastifyRequest,
  reply: FastifyReply,
  /** The current state, read in the same synchronous step as the subscription: no event falls between. */
  first: () => AgentEvent[],
  subscribe: (send: (e: AgentEvent) => void) => () => void,
  open: Set<() => void>,
  allowed: () => Promise<boolean>,
): void {
  reply.hijack();
  const res = reply.raw;
  // A client gone during the route's awaits closed before anyone listened: nothing would ever end its
  // stream (subscribed, rechecked every 5 s for as long as the credential holds), so none is opened.
  if (req.raw.destroyed) return void res.destroy();
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  let seq = 0;
  const send = (e: AgentEvent) => {
    seq++;
    res.write(`id: ${seq}\nevent: ${e.type}\ndata: ${JSON.stringify(eventView(e))}\n\n`);
  };
  // A comment at once: a stream with nothing to say yet (no agent logged in) still shows it is live.
  res.write(": connected\n\n");
  for (const e of first()) send(e);
  const unsubscribe = subscribe((e) => {
    send(e);
    if (res.writableLength > MAX_BUFFERED_BYTES) drop();
  });
  // Wall-clock timers for the network and the credential, not engine time.
  let quiet = 0;
  const keepAlive = setInterval(() => {
    allowed().then(
      (ok) => {
        if (!ok) return end();
        quiet += RECHECK_MS;
        if (quiet < KEEP_ALIVE_MS) return;
        quiet = 0;
        res.write(": keep-alive\n\n");
      },
      () => {}, // a store hiccup: ask again next time
    );
  }, RECHECK_MS);
  const finish = () => {
    if (!open.delete(end)) return;
    clearInterval(keepAlive);
    unsubscribe();
  };
  const end = () => {
    finish();
    res.end();
  };
  // A client that stopped reading would not take a polite end either (it waits behind the buffer): the
  // connection is cut, which frees the buffer.
  const drop = () => {
    finish();
    res.destroy();
  };
  open.add(end);
  req.raw.on("close", finish);
}

export async function agentActionRoutes(app: FastifyInstance, deps: NativeApiDeps): Promise<void> {
  const { store, engine, clock } = deps;
  const desk = engine.agents;
  const agentParams = idParams("id");
  const openStreams = new Set<() => void>();
  // preClose, not onClose: onClose waits for the in-flight requests, which these streams never finish.
  app.addHook("preClose", async () => {
    for (const end of [...openStreams]) end();
  });
  const act = { permission: "agents:act" } as const;
  const stateReply = { 200: agentStateSchema, ...errorResponses };

  type Req = FastifyRequest<{ Params: { id: number } }>;
  const actingAs = async (req: Req) => (await requireActingAgent(req, req.params.id, store.db)).id;

  app.get(
    "/v1/agents/me",
    {
      config: act,
      schema: {
        tags: ["agents"],
        summary: "The agent the calling user acts as, with its live state",
        response: stateReply,
      },
    },
    async (req) => {
      const via = req.account.via;
      const row = via.kind === "user" ? await agentForUser(store.db, req.account.id, via.id) : undefined;
      if (!row) throw new ApiError("not_found", 404, "no agent is bound to the calling user");
      return stateView(await desk.state(req.account.id, row.id));
    },
  );

  app.get<{ Params: { id: number } }>(
    "/v1/agents/:id/state",
    {
      config: act,
      schema: {
        tags: ["agents"],
        summary: "The agent's live state",
        params: agentParams,
        response: stateReply,
      },
    },
    async (req) => stateView(await desk.state(req.account.id, await actingAs(req))),
  );

  app.post<{ Params: { id: number }; Body: { campaignId: number } }>(
    "/v1/agents/:id/login",
    {
      config: act,
      schema: {
        tags: ["agents"],
        summary: "Log the agent in to a campaign whose queue it is in; it is ready at once",
        params: agentParams,
        body: {
          type: "object",
          additionalProperties: false,
          required: ["campaignId"],
          properties: { campaignId: idSchema },
        },
        response: stateReply,
      },
    },
    async (req) => stateView(await desk.login(req.account.id, await actingAs(req), req.body.campaignId)),
  );

  const simple: [string, string, (accountId: number, agentId: number) => Promise<AgentSnapshot>][] = [
    ["logout", "Log the agent out (not while on a call)", (a, id) => desk.logout(a, id)],
    ["ready", "Make the agent ready: from paused, or ending wrap-up early", (a, id) => desk.ready(a, id)],
    ["hangup", "Hang up the agent's call", (a, id) => desk.hangup(a, id)],
    ["preview/dial", "Dial the contact the agent is previewing", (a, id) => desk.previewDial(a, id)],
    [
      "preview/skip",
      "Give the previewed contact back undialed (it waits the campaign's retry interval)",
      (a, id) => desk.previewSkip(a, id),
    ],
  ];
  for (const [path, summary, run] of simple) {
    app.post<{ Params: { id: number } }>(
      `/v1/agents/:id/${path}`,
      { config: act, schema: { tags: ["agents"], summary, params: agentParams, response: stateReply } },
      async (req) => stateView(await run(req.account.id, await actingAs(req))),
    );
  }

  app.post<{ Params: { id: number }; Body: { reason?: string | null } }>(
    "/v1/agents/:id/pause",
    {
      config: act,
      schema: {
        tags: ["agents"],
        summary: "Pause the agent, with a reason (from ready or wrap-up)",
        params: agentParams,
        body: {
          type: "object",
          additionalProperties: false,
          properties: { reason: { type: ["string", "null"], minLength: 1, maxLength: 100 } },
        },
        response: stateReply,
      },
    },
    async (req) => stateView(await desk.pause(req.account.id, await actingAs(req), req.body?.reason ?? null)),
  );

  app.post<{ Params: { id: number } }>(
    "/v1/agents/:id/preview/next",
    {
      config: act,
      schema: {
        tags: ["agents"],
        summary: "Preview: reserve the campaign's next due contact for the agent (null when none is due)",
        params: agentParams,
        response: {
          200: { type: "object", properties: { contact: { anyOf: [contactCardSchema, { type: "null" }] } } },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const card = await desk.previewNext(req.account.id, await actingAs(req));
      return { contact: card ? cardView(card) : null };
    },
  );

  app.get<{ Params: { id: number } }>(
    "/v1/agents/:id/events",
    {
      config: { ...act, openapiResponses: EVENT_STREAM },
      schema: {
        tags: ["agents"],
        summary:
          "The agent's event stream (text/event-stream): state, offer (preview), callback (a personal callback dialed for the agent), call and call_ended events. Each connection opens with the current state and, while the agent holds a call (reserved, on it, or in its wrap-up), the offer, callback or call event that showed its contact, again; ids count per connection (a reconnect's Last-Event-ID replays nothing else)",
        params: agentParams,
        response: { 200: { type: "string", description: "Server-Sent Events" }, ...errorResponses },
      },
    },
    async (req, reply) => {
      const agentId = await actingAs(req);
      const accountId = req.account.id;
      // Checks the agent is the account's (404 if not); its state is read again when the stream opens.
      const known = await desk.state(accountId, agentId);
      const stamp = await openingStamp(req, deps);
      const allowed = async () =>
        (await sameCredential(req, deps, stamp)) && (await actingAs(req).catch(() => null)) === agentId;
      const first = (): AgentEvent[] => {
        const card = desk.cardNow(agentId);
        const state: AgentEvent = {
          type: "state",
          at: clock.now(),
          agent: desk.stateNow(accountId, agentId, known.name),
        };
        return card ? [state, card] : [state];
      };
      stream(req, reply, first, (send) => desk.watch(agentId, send), openStreams, allowed);
    },
  );

  app.get(
    "/v1/agents/events",
    {
      config: { permission: "agents:read", openapiResponses: EVENT_STREAM },
      schema: {
        tags: ["agents"],
        summary: "Every agent event of the account (text/event-stream), for a supervisor's wallboard",
        response: { 200: { type: "string", description: "Server-Sent Events" }, ...errorResponses },
      },
    },
    async (req, reply) => {
      const accountId = req.account.id;
      const first = (): AgentEvent[] =>
        [...desk.states(accountId).values()].map((agent) => ({ type: "state", at: clock.now(), agent }));
      const stamp = await openingStamp(req, deps);
      const allowed = () => sameCredential(req, deps, stamp);
      stream(req, reply, first, (send) => desk.subscribeAccount(accountId, send), openStreams, allowed);
    },
  );
}
