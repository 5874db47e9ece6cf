// Agents and campaign queues through the HTTP API: CRUD, membership with penalties, validation in the
// native error format, account scoping, the user an agent is bound to, the engine's state hook, and the
// agent role that may act only as its own agent (requireActingAgent).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import Fastify, { type FastifyInstance } from "fastify";
import { agentRoutes, requireActingAgent } from "../../src/api/native/agents.ts";
import type { AgentLiveState } from "../../src/api/native/deps.ts";
import { installAuth } from "../../src/api/plugins/auth.ts";
import { installErrorHandling } from "../../src/api/plugins/errors.ts";
import { schemaController } from "../../src/api/plugins/schema-validation.ts";
import { dialects } from "../helpers/stores.ts";
import { type ApiFixture, agentCampaign, apiFixture, createCampaignViaApi, errorOf } from "./helpers.ts";

interface AgentJson {
  id: number;
  name: string;
  user_id: number | null;
  extension: string | null;
  state: string;
  state_since: string | null;
  state_campaign_id: number | null;
  pause_reason: string | null;
  campaigns?: { campaign_id: number; penalty: number }[];
}
interface MemberJson {
  agent_id: number;
  name: string;
  penalty: number;
  state: string;
}

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
const PASSWORD = "a long agent password";

for (const dialect of dialects()) {
  describe(`agents API [${dialect.name}]`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(dialect.open);
    });
    after(() => f.close());

    const createAgent = async (payload: Record<string, unknown>, key?: string): Promise<AgentJson> => {
      const res = await f.call({ method: "POST", url: "/v1/agents", payload, key });
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as AgentJson;
    };
    const createUser = async (username: string, role = "agent", key?: string): Promise<number> => {
      const res = await f.call({
        method: "POST",
        url: "/v1/users",
        payload: { username, password: PASSWORD, role },
        key,
      });
      assert.equal(res.statusCode, 201, res.body);
      return (res.json() as { id: number }).id;
    };

    test("create, read, list by pages, change and delete an agent; state is logged_out without the engine", async () => {
      const ann = await createAgent({ name: "Ann", extension: "sip:ann@pbx.example" });
      assert.equal(ann.name, "Ann");
      assert.equal(ann.extension, "sip:ann@pbx.example");
      assert.equal(ann.user_id, null);
      assert.equal(ann.state, "logged_out");
      assert.equal(ann.state_since, null);
      assert.deepEqual(ann.campaigns, []);
      const bob = await createAgent({ name: "Bob" });
      const cid = await createAgent({ name: "Cid" });

      const got = await f.call({ method: "GET", url: `/v1/agents/${ann.id}` });
      assert.equal(got.statusCode, 200);
      assert.deepEqual(got.json(), ann);

      const page1 = (await f.call({ method: "GET", url: "/v1/agents?limit=2" })).json();
      assert.deepEqual(
        page1.data.map((a: AgentJson) => a.id),
        [ann.id, bob.id],
      );
      assert.equal(page1.next_after_id, bob.id);
      const page2 = (await f.call({ method: "GET", url: `/v1/agents?limit=2&after_id=${bob.id}` })).json();
      assert.deepEqual(
        page2.data.map((a: AgentJson) => a.id),
        [cid.id],
      );
      assert.equal(page2.next_after_id, null);

      const patched = await f.call({
        method: "PATCH",
        url: `/v1/agents/${ann.id}`,
        payload: { name: "Ann B.", extension: null },
      });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.equal(patched.json().name, "Ann B.");
      assert.equal(patched.json().extension, null);

      assert.equal((await f.call({ method: "DELETE", url: `/v1/agents/${cid.id}` })).statusCode, 204);
      const gone = await f.call({ method: "GET", url: `/v1/agents/${cid.id}` });
      assert.equal(gone.statusCode, 404);
      assert.equal(errorOf(gone).code, "not_found");
      assert.equal((await f.call({ method: "DELETE", url: `/v1/agents/${cid.id}` })).statusCode, 404);
    });

    test("a campaign's queue: replaced whole with penalties, read lowest penalty first, one agent taken out", async () => {
      const { id: campaign } = await createCampaignViaApi(f, { name: "queue" });
      const a = await createAgent({ name: "A" });
      const b = await createAgent({ name: "B" });
      const c = await createAgent({ name: "C" });
      const url = `/v1/campaigns/${campaign}/agents`;
      const wakes = f.engine.wakes;

      const put = await f.call({
        method: "PUT",
        url,
        payload: {
          agents: [{ agentId: a.id, penalty: 5 }, { agentId: b.id, penalty: 1 }, { agentId: c.id }],
        },
      });
      assert.equal(put.statusCode, 200, put.body);
      const order = (res: { json(): { data: MemberJson[] } }) =>
        res.json().data.map((m) => [m.name, m.penalty, m.state]);
      assert.deepEqual(order(put), [
        ["C", 0, "logged_out"],
        ["B", 1, "logged_out"],
        ["A", 5, "logged_out"],
      ]);
      await f.engine.wokenSince(wakes); // the engine hears of the new queue
      const aQueues = (await f.call({ method: "GET", url: `/v1/agents/${a.id}` })).json() as AgentJson;
      assert.deepEqual(aQueues.campaigns, [{ campaign_id: campaign, penalty: 5 }]);

      const replaced = await f.call({
        method: "PUT",
        url,
        payload: {
          agents: [
            { agentId: a.id, penalty: 0 },
            { agentId: b.id, penalty: 2 },
          ],
        },
      });
      assert.deepEqual(order(replaced), [
        ["A", 0, "logged_out"],
        ["B", 2, "logged_out"],
      ]);
      assert.deepEqual(order(await f.call({ method: "GET", url })), order(replaced));

      assert.equal((await f.call({ method: "DELETE", url: `${url}/${b.id}` })).statusCode, 204);
      const again = await f.call({ method: "DELETE", url: `${url}/${b.id}` });
      assert.equal(again.statusCode, 404);
      assert.match(errorOf(again).message, /not in campaign/);
      assert.deepEqual(order(await f.call({ method: "GET", url })), [["A", 0, "logged_out"]]);

      // Deleting the agent takes it out of every queue.
      await f.call({ method: "DELETE", url: `/v1/agents/${a.id}` });
      assert.deepEqual((await f.call({ method: "GET", url })).json().data, []);
      assert.equal((await f.call({ method: "PUT", url, payload: { agents: [] } })).statusCode, 200);
    });

    test("concurrent logins of one agent leave it on one campaign's board once, and none after logout", async () => {
      const { campaignId: one, agentIds } = await agentCampaign(f, {
        name: "twice",
        settings: { dialMethod: "progressive" },
        contacts: [{ phone: "+14155550001" }],
        agents: ["Dee"],
      });
      const [dee] = agentIds;
      const { id: two } = await createCampaignViaApi(f, { name: "twice, other" });
      const queue = { agents: [{ agentId: dee }] };
      assert.equal(
        (await f.call({ method: "PUT", url: `/v1/campaigns/${two}/agents`, payload: queue })).statusCode,
        200,
      );
      const login = (campaignId: number) =>
        f.call({ method: "POST", url: `/v1/agents/${dee}/login`, payload: { campaignId } });
      const logout = () => f.call({ method: "POST", url: `/v1/agents/${dee}/logout` });
      const onBoards = () => [...f.engine.board.of(one), ...f.engine.board.of(two)].map((a) => a.id);

      const same = await Promise.all([1, 2, 3, 4].map(() => login(one)));
      assert.deepEqual(
        same.map((r) => [r.statusCode, r.json().state]),
        [1, 2, 3, 4].map(() => [200, "ready"]),
      );
      assert.deepEqual(onBoards(), [dee]);
      assert.equal((await logout()).json().state, "logged_out");
      assert.deepEqual(onBoards(), [], "no ghost left to take calls");

      // To two campaigns at once: one gets in, the other hears it is logged in elsewhere.
      const both = await Promise.all([login(one), login(two), login(one), login(two)]);
      const codes = both.map((r) => (r.statusCode === 200 ? 200 : errorOf(r).code));
      const won = both.findIndex((r) => r.statusCode === 200);
      const winner = won % 2 === 0 ? one : two;
      assert.deepEqual(
        codes,
        [one, two, one, two].map((c) => (c === winner ? 200 : "already_logged_in")),
      );
      assert.equal(f.engine.board.get(dee)?.campaignId, winner);
      assert.deepEqual(onBoards(), [dee]);
      assert.equal((await logout()).json().state, "logged_out");
      assert.deepEqual(onBoards(), []);
    });

    test("bad input is a 400 naming the field; unknown ids a 404", async () => {
      const { id: campaign } = await createCampaignViaApi(f, { name: "validated" });
      const a = await createAgent({ name: "V" });
      const cases: [string, string, unknown, string][] = [
        ["POST", "/v1/agents", {}, "body.name"],
        ["POST", "/v1/agents", { name: "" }, "body.name"],
        ["POST", "/v1/agents", { name: "x", userId: "7" }, "body.userId"],
        ["POST", "/v1/agents", { name: "x", extension: "" }, "body.extension"],
        ["POST", "/v1/agents", { name: "x", skill: 3 }, "body.skill"],
        ["PATCH", `/v1/agents/${a.id}`, { name: 5 }, "body.name"],
        ["GET", "/v1/agents?limit=0", undefined, "querystring.limit"],
        ["GET", "/v1/agents/abc", undefined, "params.id"],
        ["PUT", `/v1/campaigns/${campaign}/agents`, {}, "body.agents"],
        ["PUT", `/v1/campaigns/${campaign}/agents`, { agents: [{ penalty: 1 }] }, "body.agents[0].agentId"],
        [
          "PUT",
          `/v1/campaigns/${campaign}/agents`,
          { agents: [{ agentId: a.id, penalty: -1 }] },
          "body.agents[0].penalty",
        ],
        [
          "PUT",
          `/v1/campaigns/${campaign}/agents`,
          { agents: [{ agentId: a.id }, { agentId: a.id, penalty: 2 }] },
          "body.agents[1].agentId",
        ],
      ];
      for (const [method, url, payload, field] of cases) {
        const res = await f.call({ method: method as "POST", url, payload: payload as object });
        assert.equal(res.statusCode, 400, `${method} ${url} ${JSON.stringify(payload)}: ${res.body}`);
        assert.equal(errorOf(res).code, "invalid_request");
        assert.equal(errorOf(res).field, field, `${method} ${url} ${JSON.stringify(payload)}`);
      }
      const empty = await f.call({ method: "PATCH", url: `/v1/agents/${a.id}`, payload: {} });
      assert.equal(empty.statusCode, 400);

      const unknownAgent = await f.call({
        method: "PUT",
        url: `/v1/campaigns/${campaign}/agents`,
        payload: { agents: [{ agentId: a.id }, { agentId: 999_999 }] },
      });
      assert.equal(unknownAgent.statusCode, 404);
      assert.equal(errorOf(unknownAgent).field, "body.agents[1].agentId");
      assert.deepEqual(
        (await f.call({ method: "GET", url: `/v1/campaigns/${campaign}/agents` })).json().data,
        [],
        "a refused replacement writes nothing",
      );
      const noCampaign = await f.call({ method: "GET", url: "/v1/campaigns/999999/agents" });
      assert.equal(noCampaign.statusCode, 404);
      assert.equal(errorOf(noCampaign).message, "campaign 999999 not found");
    });

    test("another account's agents and campaigns are 404, and never listed", async () => {
      const other = await f.newAccount("elsewhere");
      const theirs = await createAgent({ name: "theirs" }, other.key);
      const { id: theirCampaign } = await createCampaignViaApi(f, { name: "theirs" }, other.key);
      const { id: ourCampaign } = await createCampaignViaApi(f, { name: "ours" });
      const ours = await createAgent({ name: "ours" });

      for (const [method, url, payload] of [
        ["GET", `/v1/agents/${theirs.id}`, undefined],
        ["PATCH", `/v1/agents/${theirs.id}`, { name: "mine now" }],
        ["DELETE", `/v1/agents/${theirs.id}`, undefined],
        ["GET", `/v1/campaigns/${theirCampaign}/agents`, undefined],
        ["PUT", `/v1/campaigns/${theirCampaign}/agents`, { agents: [{ agentId: ours.id }] }],
        ["PUT", `/v1/campaigns/${ourCampaign}/agents`, { agents: [{ agentId: theirs.id }] }],
        ["DELETE", `/v1/campaigns/${theirCampaign}/agents/${theirs.id}`, undefined],
      ] as const) {
        const res = await f.call({ method, url, payload });
        assert.equal(res.statusCode, 404, `${method} ${url}`);
        assert.equal(errorOf(res).code, "not_found");
      }
      const listed = (await f.call({ method: "GET", url: "/v1/agents?limit=1000" })).json().data;
      assert.ok(!listed.some((a: AgentJson) => a.id === theirs.id));
      const still = await f.call({ method: "GET", url: `/v1/agents/${theirs.id}`, key: other.key });
      assert.equal(still.json().name, "theirs");
    });

    test("an agent is bound to at most one user of the account, and a user to one agent", async () => {
      const userId = await createUser("desk-1");
      const bound = await createAgent({ name: "desk", userId });
      assert.equal(bound.user_id, userId);

      const twice = await f.call({ method: "POST", url: "/v1/agents", payload: { name: "copy", userId } });
      assert.equal(twice.statusCode, 409);
      assert.equal(errorOf(twice).code, "user_already_bound");
      assert.equal(errorOf(twice).field, "body.userId");
      const same = await f.call({ method: "PATCH", url: `/v1/agents/${bound.id}`, payload: { userId } });
      assert.equal(same.statusCode, 200, "re-binding the agent's own user is no conflict");

      const other = await f.newAccount("users-elsewhere");
      const foreignUser = await createUser("desk-foreign", "agent", other.key);
      for (const id of [foreignUser, 999_999]) {
        const res = await f.call({ method: "POST", url: "/v1/agents", payload: { name: "x", userId: id } });
        assert.equal(res.statusCode, 400);
        assert.equal(errorOf(res).field, "body.userId");
      }

      const freed = await f.call({
        method: "PATCH",
        url: `/v1/agents/${bound.id}`,
        payload: { userId: null },
      });
      assert.equal(freed.json().user_id, null);
      const rebound = await createAgent({ name: "desk again", userId });
      // Deleting the user leaves the agent, unbound.
      assert.equal((await f.call({ method: "DELETE", url: `/v1/users/${userId}` })).statusCode, 204);
      const unbound = (await f.call({ method: "GET", url: `/v1/agents/${rebound.id}` })).json() as AgentJson;
      assert.equal(unbound.user_id, null);
    });

    test("who reads and manages agents, by role", async () => {
      const byRole = async (role: "developer" | "call_list_manager" | "supervisor" | "agent") => {
        const key = await f.keyWithRole(role);
        const list = await f.call({ method: "GET", url: "/v1/agents", key });
        const create = await f.call({ method: "POST", url: "/v1/agents", payload: { name: role }, key });
        return [list.statusCode, create.statusCode];
      };
      assert.deepEqual(await byRole("developer"), [200, 201]);
      assert.deepEqual(await byRole("call_list_manager"), [200, 403]);
      assert.deepEqual(await byRole("supervisor"), [200, 403]);
      assert.deepEqual(await byRole("agent"), [403, 403]);
      const agentKey = await f.keyWithRole("agent");
      const campaigns = await f.call({ method: "GET", url: "/v1/campaigns", key: agentKey });
      assert.equal(campaigns.statusCode, 403, "an agent desktop does not browse campaigns");
    });
  });

  describe(`agent routes with the engine's hooks, and requireActingAgent [${dialect.name}]`, () => {
    let f: ApiFixture;
    let app: FastifyInstance;
    const asked: { accountId: number; ids: number[] }[] = [];
    const changed: number[] = [];
    const live = new Map<number, AgentLiveState>();
    before(async () => {
      f = await apiFixture(dialect.open);
      // The agent routes as the native API registers them, given the hooks the engine will fill in, and a
      // route that acts on an agent the way the desktop's action routes do.
      app = Fastify({ schemaController });
      installErrorHandling(app);
      installAuth(app, { store: f.store, clock: f.clock });
      await app.register(agentRoutes, {
        store: f.store,
        engine: f.engine,
        clock: f.clock,
        agentStates: (accountId, ids) => {
          asked.push({ accountId, ids });
          return new Map(ids.filter((id) => live.has(id)).map((id) => [id, live.get(id)!]));
        },
        agentsChanged: (accountId) => {
          changed.push(accountId);
        },
      });
      app.post<{ Params: { id: number } }>(
        "/test/agents/:id/act",
        { config: { permission: "agents:act" } },
        async (req) => ({ acted: (await requireActingAgent(req, Number(req.params.id), f.store.db)).id }),
      );
      await app.ready();
    });
    after(async () => {
      await app.close();
      await f.close();
    });
    const call = (method: "GET" | "POST" | "PUT", url: string, authorization: string, payload?: object) =>
      app.inject({ method, url, payload, headers: { authorization } });
    const bearer = (key: string) => `Bearer ${key}`;

    test("GET answers carry the engine's state; changes are told to agentsChanged instead of a wake", async () => {
      const owner = bearer(f.key);
      const a = (await call("POST", "/v1/agents", owner, { name: "live" })).json() as AgentJson;
      const b = (await call("POST", "/v1/agents", owner, { name: "idle" })).json() as AgentJson;
      const { id: campaign } = await createCampaignViaApi(f, { name: "hooked" });
      live.set(a.id, { state: "paused", since: f.clock.now(), campaignId: campaign, pauseReason: "lunch" });
      const wakes = f.engine.wakes;
      changed.length = 0;

      const put = await call("PUT", `/v1/campaigns/${campaign}/agents`, owner, {
        agents: [{ agentId: a.id }, { agentId: b.id, penalty: 3 }],
      });
      assert.equal(put.statusCode, 200, put.body);
      assert.deepEqual(changed, [f.accountId]);
      assert.equal(f.engine.wakes, wakes);
      assert.deepEqual(
        put.json().data.map((m: MemberJson) => [m.agent_id, m.state]),
        [
          [a.id, "paused"],
          [b.id, "logged_out"],
        ],
      );

      asked.length = 0;
      const listed = (await call("GET", "/v1/agents", owner)).json().data as AgentJson[];
      assert.deepEqual(asked, [{ accountId: f.accountId, ids: listed.map((x) => x.id) }]);
      const shown = listed.find((x) => x.id === a.id)!;
      assert.equal(shown.state, "paused");
      assert.equal(shown.state_since, new Date(f.clock.now()).toISOString());
      assert.equal(shown.state_campaign_id, campaign);
      assert.equal(shown.pause_reason, "lunch");
      assert.equal((await call("GET", `/v1/agents/${a.id}`, owner)).json().state, "paused");
    });

    test("a user of role agent acts only as their own agent; other roles with agents:act as any", async () => {
      const owner = bearer(f.key);
      const newUser = async (username: string) => {
        const res = await f.call({
          method: "POST",
          url: "/v1/users",
          payload: { username, password: PASSWORD, role: "agent" },
        });
        assert.equal(res.statusCode, 201, res.body);
        return (res.json() as { id: number }).id;
      };
      const annUser = await newUser("ann-desk");
      await newUser("unbound-desk");
      const agentA = (await call("POST", "/v1/agents", owner, { name: "A", userId: annUser })).json().id;
      const agentB = (await call("POST", "/v1/agents", owner, { name: "B" })).json().id;
      const other = await f.newAccount("acting-elsewhere");
      const foreign = (
        await f.call({ method: "POST", url: "/v1/agents", payload: { name: "F" }, key: other.key })
      ).json().id;

      const act = (id: number, authorization: string) =>
        call("POST", `/test/agents/${id}/act`, authorization);
      const ann = basic("ann-desk", PASSWORD);
      assert.deepEqual((await act(agentA, ann)).json(), { acted: agentA });
      const notHers = await act(agentB, ann);
      assert.equal(notHers.statusCode, 403);
      assert.equal(errorOf(notHers).code, "forbidden");
      assert.equal((await act(foreign, ann)).statusCode, 404);
      assert.equal((await act(agentA, basic("unbound-desk", PASSWORD))).statusCode, 403);
      // A key of role agent is no one's agent.
      assert.equal((await act(agentA, bearer(await f.keyWithRole("agent")))).statusCode, 403);

      assert.deepEqual((await act(agentB, bearer(await f.keyWithRole("supervisor")))).json(), {
        acted: agentB,
      });
      assert.deepEqual((await act(agentA, owner)).json(), { acted: agentA });
      assert.equal((await act(agentB, bearer(await f.keyWithRole("developer")))).statusCode, 403);
      assert.equal((await act(agentB, bearer(await f.keyWithRole("call_list_manager")))).statusCode, 403);
      // The user itself may not read the agent list (agents:read).
      assert.equal((await call("GET", "/v1/agents", ann)).statusCode, 403);
    });
  });
}
