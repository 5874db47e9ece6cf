import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { AGENT_DEFAULT_MAX_CONCURRENT, DEFAULT_SETTINGS } from "../../src/model/campaign-settings.ts";
import { dialects } from "../helpers/stores.ts";
import { type ApiFixture, apiFixture, createCampaignViaApi, errorOf, insertContacts } from "./helpers.ts";

interface CampaignJson {
  id: number;
  name: string;
  status: string;
  priority: number;
  settings: Record<string, unknown>;
  halt_at: string | null;
  created_at: string;
  contact_counts?: Record<string, number>;
}

for (const dialect of dialects()) {
  describe(`campaign CRUD [${dialect.name}]`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(dialect.open);
    });
    after(() => f.close());

    test("create stores the full settings with defaults and the priority column", async () => {
      const res = await f.call({
        method: "POST",
        url: "/v1/campaigns",
        payload: { name: "reminders", settings: { priority: 7, maxConcurrent: 3, callsPerSecond: 0.5 } },
      });
      assert.equal(res.statusCode, 201);
      const c = res.json() as CampaignJson;
      assert.equal(c.status, "draft");
      assert.equal(c.priority, 7);
      assert.equal(c.halt_at, null);
      assert.equal(c.created_at, new Date(f.clock.now()).toISOString());
      assert.deepEqual(c.settings, {
        ...DEFAULT_SETTINGS,
        priority: 7,
        maxConcurrent: 3,
        callsPerSecond: 0.5,
      });
      const row = await f.store.db
        .selectFrom("campaigns")
        .selectAll()
        .where("id", "=", c.id)
        .executeTakeFirstOrThrow();
      assert.equal(row.priority, 7);
      assert.equal(row.halt_at, null);
      assert.deepEqual(JSON.parse(row.settings), c.settings);
    });

    test("an agent campaign's line cap defaults to one its pacer can use; a robot campaign's stays 10", async () => {
      const made = async (settings: Record<string, unknown>) => {
        const res = await f.call({
          method: "POST",
          url: "/v1/campaigns",
          payload: { name: "cap", settings },
        });
        assert.equal(res.statusCode, 201, res.body);
        return (res.json() as CampaignJson).settings.maxConcurrent;
      };
      assert.equal(await made({}), 10);
      assert.equal(await made({ dialMethod: "predictive" }), AGENT_DEFAULT_MAX_CONCURRENT);
      assert.equal(await made({ dialMethod: "progressive" }), AGENT_DEFAULT_MAX_CONCURRENT);
      assert.equal(await made({ dialMethod: "predictive", maxConcurrent: 12 }), 12, "a given cap is kept");
    });

    test("read returns contact counts by status", async () => {
      const { id, listId } = await createCampaignViaApi(f, { name: "counted" });
      await insertContacts(f.store, { accountId: f.accountId, campaignId: id, listId }, [
        { status: "pending" },
        { status: "pending" },
        { status: "succeeded" },
        { status: "failed" },
      ]);
      const c = (await f.call({ method: "GET", url: `/v1/campaigns/${id}` })).json() as CampaignJson;
      assert.equal(c.name, "counted");
      assert.deepEqual(c.contact_counts, {
        total: 4,
        pending: 2,
        in_progress: 0,
        succeeded: 1,
        failed: 1,
        exhausted: 0,
        cancelled: 0,
        suppressed: 0,
      });
      assert.equal((await f.call({ method: "GET", url: "/v1/campaigns/999999" })).statusCode, 404);
    });

    test("PATCH renames, merges settings, moves the priority column and wakes the engine", async () => {
      const { id } = await createCampaignViaApi(f, {
        name: "old",
        settings: { maxConcurrent: 4, callerIds: ["+1"] },
      });
      const wakes = f.engine.wakes;
      const res = await f.call({
        method: "PATCH",
        url: `/v1/campaigns/${id}`,
        payload: { name: "new", settings: { priority: 3, callsPerSecond: 2 } },
      });
      assert.equal(res.statusCode, 200, res.body);
      const c = res.json() as CampaignJson;
      assert.equal(c.name, "new");
      assert.equal(c.priority, 3);
      assert.equal(c.settings.maxConcurrent, 4, "untouched settings are kept");
      assert.deepEqual(c.settings.callerIds, ["+1"]);
      assert.equal(c.settings.callsPerSecond, 2);
      assert.equal(f.engine.wakes, wakes + 1);
    });

    test("concurrent PATCHes of different settings both land: none is lost to the other's stale read", async () => {
      const { id } = await createCampaignViaApi(f, { name: "shared", settings: { maxConcurrent: 4 } });
      const edits = [
        { maxConcurrent: 9 },
        { callsPerSecond: 3 },
        { priority: 5 },
        { maxAttemptsPerContact: 7 },
        { successMinTalkSec: 12 },
        { retryIntervalSec: 900 },
      ];
      const results = await Promise.all(
        edits.map((settings) =>
          f.call({ method: "PATCH", url: `/v1/campaigns/${id}`, payload: { settings } }),
        ),
      );
      for (const r of results) assert.equal(r.statusCode, 200, r.body);
      const stored = (await f.call({ method: "GET", url: `/v1/campaigns/${id}` })).json() as CampaignJson;
      for (const e of edits) {
        for (const [k, v] of Object.entries(e)) assert.equal(stored.settings[k], v, `${k} kept`);
      }
      assert.equal(stored.priority, 5);
    });

    test("PATCH of attemptOrder re-sorts the campaign's contacts", async () => {
      const { id, listId } = await createCampaignViaApi(f, { name: "order" });
      const other = await createCampaignViaApi(f, { name: "other" });
      const at = { accountId: f.accountId, campaignId: id, listId };
      const [fresh, repeated] = await insertContacts(f.store, at, [
        { attempts: 0, order_class: 0 },
        { attempts: 2, order_class: 1 },
      ]);
      const [untouched] = await insertContacts(
        f.store,
        { ...at, campaignId: other.id, listId: other.listId },
        [{ attempts: 0, order_class: 0 }],
      );
      const classOf = async (cid: number) =>
        (
          await f.store.db
            .selectFrom("contacts")
            .select("order_class")
            .where("id", "=", cid)
            .executeTakeFirstOrThrow()
        ).order_class;

      const patch = (attemptOrder: string) =>
        f.call({ method: "PATCH", url: `/v1/campaigns/${id}`, payload: { settings: { attemptOrder } } });
      assert.equal((await patch("repeated_attempts")).statusCode, 200);
      assert.deepEqual([await classOf(fresh), await classOf(repeated), await classOf(untouched)], [1, 0, 0]);
      assert.equal((await patch("first_attempts")).statusCode, 200);
      assert.deepEqual([await classOf(fresh), await classOf(repeated)], [0, 1]);
    });

    test("PATCH of endAt on a started campaign moves its halt time", async () => {
      const { id } = await createCampaignViaApi(f, { name: "halting" });
      assert.equal((await f.call({ method: "POST", url: `/v1/campaigns/${id}/start` })).statusCode, 200);
      const endAt = f.clock.now() + 3_600_000;
      const c = (
        await f.call({ method: "PATCH", url: `/v1/campaigns/${id}`, payload: { settings: { endAt } } })
      ).json() as CampaignJson;
      assert.equal(c.halt_at, new Date(endAt).toISOString());
    });

    test("PATCH of startAt on a campaign not dialing yet moves its start and its halt time", async () => {
      const { id } = await createCampaignViaApi(f, { name: "later" });
      const at = (ms: number) => new Date(ms).toISOString();
      const hour = 3_600_000;
      const patch = async (settings: object) =>
        (
          await f.call({ method: "PATCH", url: `/v1/campaigns/${id}`, payload: { settings } })
        ).json() as CampaignJson & {
          started_at: string | null;
        };
      await patch({ startAt: f.clock.now() + hour, lifetimeSec: 3600 });
      const started = await f.call({ method: "POST", url: `/v1/campaigns/${id}/start` });
      assert.equal(started.json().status, "scheduled");
      let c = await patch({ startAt: f.clock.now() + 3 * hour });
      assert.deepEqual(
        [c.started_at, c.halt_at],
        [at(f.clock.now() + 3 * hour), at(f.clock.now() + 4 * hour)],
      );
      // Paused before its start: the same.
      assert.equal((await f.call({ method: "POST", url: `/v1/campaigns/${id}/pause` })).statusCode, 200);
      c = await patch({ startAt: f.clock.now() + 2 * hour });
      assert.deepEqual(
        [c.started_at, c.halt_at],
        [at(f.clock.now() + 2 * hour), at(f.clock.now() + 3 * hour)],
      );
      // A start time now past: it starts now, and its lifetime counts from now.
      c = await patch({ startAt: f.clock.now() - 60_000 });
      assert.deepEqual([c.started_at, c.halt_at], [at(f.clock.now()), at(f.clock.now() + hour)]);
      // Once dialing, a new start time changes nothing.
      await f.clock.advance(10 * 60_000);
      c = await patch({ startAt: f.clock.now() + hour });
      assert.deepEqual(
        [c.started_at, c.halt_at],
        [at(f.clock.now() - 10 * 60_000), at(f.clock.now() + 50 * 60_000)],
      );
    });

    test("DELETE removes an inactive campaign with its contacts; a running one is 409", async () => {
      const { id, listId } = await createCampaignViaApi(f, { name: "doomed" });
      await insertContacts(f.store, { accountId: f.accountId, campaignId: id, listId }, [{}, {}]);
      assert.equal((await f.call({ method: "POST", url: `/v1/campaigns/${id}/start` })).statusCode, 200);
      const refused = await f.call({ method: "DELETE", url: `/v1/campaigns/${id}` });
      assert.equal(refused.statusCode, 409);
      assert.equal(errorOf(refused).code, "campaign_active");

      assert.equal((await f.call({ method: "POST", url: `/v1/campaigns/${id}/stop` })).statusCode, 200);
      assert.equal((await f.call({ method: "DELETE", url: `/v1/campaigns/${id}` })).statusCode, 204);
      assert.equal((await f.call({ method: "GET", url: `/v1/campaigns/${id}` })).statusCode, 404);
      const left = await f.store.db
        .selectFrom("contacts")
        .select("id")
        .where("campaign_id", "=", id)
        .execute();
      assert.equal(left.length, 0);
      assert.equal((await f.call({ method: "DELETE", url: `/v1/campaigns/${id}` })).statusCode, 404);
    });
  });
}

for (const dialect of dialects()) {
  describe(`campaign lifecycle and lists [${dialect.name}]`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(dialect.open);
    });
    after(() => f.close());

    test("lifecycle commands delegate to the engine and answer with the new status", async () => {
      const { id } = await createCampaignViaApi(f);
      const run = async (cmd: string) => {
        const res = await f.call({ method: "POST", url: `/v1/campaigns/${id}/${cmd}` });
        return { code: res.statusCode, body: res.json() as Record<string, unknown> };
      };
      assert.deepEqual(await run("start"), { code: 200, body: { status: "running" } });
      assert.deepEqual(await run("pause"), { code: 200, body: { status: "paused" } });
      assert.deepEqual(await run("resume"), { code: 200, body: { status: "running" } });
      assert.deepEqual(await run("stop"), { code: 200, body: { status: "stopped" } });
      assert.deepEqual(await run("recover"), { code: 200, body: { status: "running", recovered: 0 } });
      const row = await f.store.db
        .selectFrom("campaigns")
        .select("status")
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, "running");
    });

    test("an engine refusal keeps its status and code", async () => {
      const { id } = await createCampaignViaApi(f);
      const res = await f.call({ method: "POST", url: `/v1/campaigns/${id}/resume` });
      assert.equal(res.statusCode, 409);
      assert.equal(errorOf(res).code, "invalid_state");
    });

    test("explain returns the engine's explanation", async () => {
      const { id } = await createCampaignViaApi(f);
      const res = await f.call({ method: "GET", url: `/v1/campaigns/${id}/explain` });
      assert.equal(res.statusCode, 200);
      const body = res.json() as { campaignId: number; reasons: { code: string }[]; waiting: unknown[] };
      assert.equal(body.campaignId, id);
      assert.equal(body.reasons[0].code, "not_running");
      assert.deepEqual(body, await f.engine.explain(f.accountId, id));
    });

    test("lists are created empty and listed with their contact counts", async () => {
      const { id, listId } = await createCampaignViaApi(f);
      const second = await f.call({
        method: "POST",
        url: `/v1/campaigns/${id}/lists`,
        payload: { name: "second" },
      });
      assert.equal(second.statusCode, 201);
      assert.equal((second.json() as { contact_count: number }).contact_count, 0);
      await insertContacts(f.store, { accountId: f.accountId, campaignId: id, listId }, [{}, {}, {}]);
      const lists = (await f.call({ method: "GET", url: `/v1/campaigns/${id}/lists` })).json() as {
        data: { id: number; name: string; contact_count: number }[];
      };
      assert.deepEqual(
        lists.data.map((l) => [l.name, l.contact_count]),
        [
          ["main", 3],
          ["second", 0],
        ],
      );
    });
  });
}

for (const dialect of dialects()) {
  describe(`campaign paging and filters [${dialect.name}]`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(dialect.open);
      for (let i = 1; i <= 7; i++) {
        await f.call({
          method: "POST",
          url: "/v1/campaigns",
          payload: { name: i % 2 ? `Spring ${i}` : `Autumn ${i}` },
        });
      }
    });
    after(() => f.close());

    const names = (body: { data: { name: string }[] }) => body.data.map((c) => c.name);

    test("cursor paging walks every campaign once, newest first", async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const url: string = `/v1/campaigns?limit=3${cursor ? `&cursor=${cursor}` : ""}`;
        const body = (await f.call({ method: "GET", url })).json() as {
          data: { name: string }[];
          next_cursor: string | null;
        };
        seen.push(...names(body));
        cursor = body.next_cursor;
        pages++;
      } while (cursor);
      assert.equal(pages, 3);
      assert.deepEqual(seen, [
        "Spring 7",
        "Autumn 6",
        "Spring 5",
        "Autumn 4",
        "Spring 3",
        "Autumn 2",
        "Spring 1",
      ]);
    });

    test("offset paging", async () => {
      const body = (await f.call({ method: "GET", url: "/v1/campaigns?limit=2&offset=5" })).json() as {
        data: { name: string }[];
      };
      assert.deepEqual(names(body), ["Autumn 2", "Spring 1"]);
    });

    test("filter by name substring (case-insensitive) and by status", async () => {
      const spring = (await f.call({ method: "GET", url: "/v1/campaigns?name=spRING" })).json() as {
        data: { name: string; id: number }[];
      };
      assert.deepEqual(names(spring), ["Spring 7", "Spring 5", "Spring 3", "Spring 1"]);
      const literal = (await f.call({ method: "GET", url: "/v1/campaigns?name=%25" })).json() as {
        data: unknown[];
      };
      assert.equal(literal.data.length, 0, "% is a literal, not a wildcard");

      await f.call({ method: "POST", url: `/v1/campaigns/${spring.data[0].id}/start` });
      const running = (
        await f.call({ method: "GET", url: "/v1/campaigns?status=running,paused" })
      ).json() as {
        data: { name: string }[];
      };
      assert.deepEqual(names(running), ["Spring 7"]);
    });
  });
}
