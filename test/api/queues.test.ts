// Named agent queues through the HTTP API: CRUD with keyset paging, members replaced whole, validation in
// the native error format, another account's ids as 404, roles, settings.queueId on campaigns (the
// account's queues only), and an agent logging in to a campaign through the queue it is a member of.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { dialects } from "../helpers/stores.ts";
import { type ApiFixture, apiFixture, createCampaignViaApi, errorOf } from "./helpers.ts";

interface QueueJson {
  id: number;
  name: string;
  created_at: string;
  updated_at: string;
}

for (const dialect of dialects()) {
  describe(`named queues API [${dialect.name}]`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(dialect.open);
    });
    after(() => f.close());

    const ok = async (
      method: "GET" | "POST" | "PUT" | "PATCH",
      url: string,
      payload?: object,
      key?: string,
    ) => {
      const res = await f.call({ method, url, payload, key });
      assert.ok(
        res.statusCode === 200 || res.statusCode === 201,
        `${method} ${url}: ${res.statusCode} ${res.body}`,
      );
      return res.json();
    };
    const newQueue = (name: string, key?: string): Promise<QueueJson> =>
      ok("POST", "/v1/queues", { name }, key);
    const newAgent = async (name: string, key?: string): Promise<number> =>
      (await ok("POST", "/v1/agents", { name }, key)).id;

    test("create, read, page, rename and delete a queue", async () => {
      const sales = await newQueue("sales");
      assert.equal(sales.name, "sales");
      assert.equal(sales.created_at, new Date(f.clock.now()).toISOString());
      const support = await newQueue("support");
      const third = await newQueue("x".repeat(255));

      assert.deepEqual(await ok("GET", `/v1/queues/${sales.id}`), sales);
      const page1 = await ok("GET", "/v1/queues?limit=2");
      assert.deepEqual(
        page1.data.map((q: QueueJson) => q.id),
        [sales.id, support.id],
      );
      assert.equal(page1.next_after_id, support.id);
      const page2 = await ok("GET", `/v1/queues?limit=2&after_id=${support.id}`);
      assert.deepEqual(
        page2.data.map((q: QueueJson) => q.id),
        [third.id],
      );
      assert.equal(page2.next_after_id, null);

      assert.equal(
        (await ok("PATCH", `/v1/queues/${sales.id}`, { name: "inside sales" })).name,
        "inside sales",
      );
      assert.equal((await f.call({ method: "DELETE", url: `/v1/queues/${third.id}` })).statusCode, 204);
      const gone = await f.call({ method: "GET", url: `/v1/queues/${third.id}` });
      assert.equal(gone.statusCode, 404);
      assert.equal(errorOf(gone).code, "not_found");
    });

    test("members: replaced whole, lowest penalty first; changes are told to the engine", async () => {
      const q = (await newQueue("members")).id;
      const [ann, bob, cid] = [await newAgent("Ann"), await newAgent("Bob"), await newAgent("Cid")];
      // Creating the agents tells the engine too, after the answer: counted from once that has happened.
      const wakes = await f.engine.settledWakes();
      const put = await ok("PUT", `/v1/queues/${q}/members`, {
        agents: [{ agentId: ann, penalty: 5 }, { agentId: bob }],
      });
      await f.engine.wokenSince(wakes);
      assert.equal(await f.engine.settledWakes(), wakes + 1);
      assert.deepEqual(put, {
        data: [
          { agent_id: bob, name: "Bob", extension: null, penalty: 0, state: "logged_out" },
          { agent_id: ann, name: "Ann", extension: null, penalty: 5, state: "logged_out" },
        ],
      });
      await ok("PUT", `/v1/queues/${q}/members`, { agents: [{ agentId: cid, penalty: 1 }] });
      assert.deepEqual(
        (await ok("GET", `/v1/queues/${q}/members`)).data.map((m: { agent_id: number }) => m.agent_id),
        [cid],
      );
      await ok("PUT", `/v1/queues/${q}/members`, { agents: [] });
      assert.deepEqual(await ok("GET", `/v1/queues/${q}/members`), { data: [] });
    });

    test("bad input: 400 naming the field", async () => {
      const q = (await newQueue("validated")).id;
      const a = await newAgent("V");
      const cases: [string, string, unknown, string][] = [
        ["POST", "/v1/queues", {}, "body.name"],
        ["POST", "/v1/queues", { name: "" }, "body.name"],
        ["POST", "/v1/queues", { name: "x".repeat(256) }, "body.name"],
        ["POST", "/v1/queues", { name: "ok", color: "red" }, "body.color"],
        ["PATCH", `/v1/queues/${q}`, { name: 5 }, "body.name"],
        ["GET", "/v1/queues?limit=0", undefined, "querystring.limit"],
        ["GET", "/v1/queues/abc", undefined, "params.id"],
        ["PUT", `/v1/queues/${q}/members`, {}, "body.agents"],
        ["PUT", `/v1/queues/${q}/members`, { agents: [{ penalty: 1 }] }, "body.agents[0].agentId"],
        [
          "PUT",
          `/v1/queues/${q}/members`,
          { agents: [{ agentId: a, penalty: -1 }] },
          "body.agents[0].penalty",
        ],
        [
          "PUT",
          `/v1/queues/${q}/members`,
          { agents: [{ agentId: a }, { agentId: a }] },
          "body.agents[1].agentId",
        ],
      ];
      for (const [method, url, payload, field] of cases) {
        const res = await f.call({ method: method as "GET", url, payload: payload as object });
        assert.equal(res.statusCode, 400, `${method} ${url} ${JSON.stringify(payload)}: ${res.body}`);
        assert.equal(errorOf(res).code, "invalid_request");
        assert.equal(errorOf(res).field, field, `${method} ${url} ${JSON.stringify(payload)}`);
      }
    });

    test("another account's queue is 404 everywhere; its agent is 404 naming the member", async () => {
      const other = await f.newAccount("queues-elsewhere");
      const theirs = (await newQueue("theirs", other.key)).id;
      const theirAgent = await newAgent("T", other.key);
      const mine = (await newQueue("mine")).id;
      const a = await newAgent("M");
      for (const [method, url, payload] of [
        ["GET", `/v1/queues/${theirs}`, undefined],
        ["PATCH", `/v1/queues/${theirs}`, { name: "stolen" }],
        ["DELETE", `/v1/queues/${theirs}`, undefined],
        ["GET", `/v1/queues/${theirs}/members`, undefined],
        ["PUT", `/v1/queues/${theirs}/members`, { agents: [] }],
      ] as const) {
        const res = await f.call({ method, url, payload });
        assert.equal(res.statusCode, 404, `${method} ${url}`);
        assert.equal(errorOf(res).code, "not_found");
      }
      assert.ok(!(await ok("GET", "/v1/queues?limit=1000")).data.some((q: QueueJson) => q.id === theirs));
      const foreign = await f.call({
        method: "PUT",
        url: `/v1/queues/${mine}/members`,
        payload: { agents: [{ agentId: a }, { agentId: theirAgent }] },
      });
      assert.equal(foreign.statusCode, 404);
      assert.equal(errorOf(foreign).field, "body.agents[1].agentId");
      assert.deepEqual(await ok("GET", `/v1/queues/${mine}/members`), { data: [] }, "nothing written");
      assert.equal((await ok("GET", `/v1/queues/${theirs}`, undefined, other.key)).name, "theirs");
    });

    test("roles: a supervisor reads, only agents:manage writes", async () => {
      const q = (await newQueue("roles")).id;
      const supervisor = await f.keyWithRole("supervisor");
      assert.equal(
        (await f.call({ method: "GET", url: `/v1/queues/${q}/members`, key: supervisor })).statusCode,
        200,
      );
      const refused = await f.call({
        method: "POST",
        url: "/v1/queues",
        payload: { name: "s" },
        key: supervisor,
      });
      assert.equal(refused.statusCode, 403);
      const clm = await f.keyWithRole("call_list_manager");
      assert.equal((await f.call({ method: "GET", url: "/v1/queues", key: clm })).statusCode, 200);
      assert.equal(
        (await f.call({ method: "PUT", url: `/v1/queues/${q}/members`, payload: { agents: [] }, key: clm }))
          .statusCode,
        403,
      );
    });

    test("settings.queueId: the account's queue is kept, another's is a 400 on create and on update", async () => {
      const q = (await newQueue("for campaigns")).id;
      const other = await f.newAccount("queue-owner-elsewhere");
      const theirs = (await newQueue("theirs", other.key)).id;

      const created = await ok("POST", "/v1/campaigns", {
        name: "with queue",
        settings: { dialMethod: "progressive", queueId: q },
      });
      assert.equal(created.settings.queueId, q);
      for (const queueId of [theirs, 999_999]) {
        const res = await f.call({
          method: "POST",
          url: "/v1/campaigns",
          payload: { name: "bad queue", settings: { queueId } },
        });
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(errorOf(res).field, "body.settings.queueId");
        const patched = await f.call({
          method: "PATCH",
          url: `/v1/campaigns/${created.id}`,
          payload: { settings: { queueId } },
        });
        assert.equal(patched.statusCode, 400, patched.body);
        assert.equal(errorOf(patched).field, "body.settings.queueId");
      }
      const typed = await f.call({
        method: "POST",
        url: "/v1/campaigns",
        payload: { name: "typed", settings: { queueId: "one" } },
      });
      assert.equal(errorOf(typed).field, "body.settings.queueId");
      assert.equal((await ok("GET", `/v1/campaigns/${created.id}`)).settings.queueId, q, "unchanged");
      const cleared = await ok("PATCH", `/v1/campaigns/${created.id}`, { settings: { queueId: null } });
      assert.equal(cleared.settings.queueId, null);
    });

    test("an agent of the queue logs in to a campaign dialing for it; the campaign's queue shows it", async () => {
      const q = (await newQueue("desk")).id;
      const agent = await newAgent("Desk");
      const { id: campaign } = await createCampaignViaApi(f, {
        name: "queue campaign",
        settings: { dialMethod: "progressive", queueId: q },
      });
      const refused = await f.call({
        method: "POST",
        url: `/v1/agents/${agent}/login`,
        payload: { campaignId: campaign },
      });
      assert.equal(refused.statusCode, 409, refused.body);
      assert.equal(errorOf(refused).code, "not_in_queue");

      await ok("PUT", `/v1/queues/${q}/members`, { agents: [{ agentId: agent, penalty: 4 }] });
      const served = await ok("GET", `/v1/campaigns/${campaign}/agents`);
      assert.deepEqual(
        served.data.map((m: { agent_id: number; penalty: number }) => [m.agent_id, m.penalty]),
        [[agent, 4]],
      );
      const login = await ok("POST", `/v1/agents/${agent}/login`, { campaignId: campaign });
      assert.equal(login.state, "ready");
      assert.equal(
        (await ok("GET", `/v1/queues/${q}/members`)).data[0].state,
        "ready",
        "members show the engine's live state",
      );
      await ok("POST", `/v1/agents/${agent}/logout`);
    });
  });
}
