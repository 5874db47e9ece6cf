// The Xcally Motion face over HTTP with a Basic-auth user: contact-manager lists and contacts, outbound
// queues mapped onto campaign settings, list linking with each duplicate mode, agent links, errors naming
// the field, and another account's user seeing none of it.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { CampaignSettings } from "../../../src/model/campaign-settings.ts";
import { type ApiFixture, apiFixture, errorOf } from "../../api/helpers.ts";
import { dialects } from "../../helpers/stores.ts";

const SEED_QUEUE = {
  dialActive: true,
  type: "outbound",
  dialCheckDuplicateType: "always",
  dialCutDigit: 0,
  autopause: "no",
  dialOrderByScheduledAt: "ASC",
  dialGlobalInterval: "07:00-22:00,*,*,*",
  dialAMDInitialSilence: 2500,
  dialAMDGreeting: 1500,
  dialAMDAfterGreetingSilence: 800,
  dialAMDTotalAnalysisTime: 5000,
  dialAMDMinWordLength: 100,
  dialAMDBetweenWordsSilence: 50,
  dialAMDMaximumNumberOfWords: 3,
  dialAMDSilenceThreshold: 256,
  dialAMDMaximumWordLength: 5000,
  dialMethod: "progressive",
  dialPowerLevel: 1,
  dialPredictiveOptimization: "dropRate",
  dialPredictiveOptimizationPercentage: 3,
  dialOriginateTimeout: 30,
  strategy: "rrmemory",
  dialGlobalMaxRetry: 4,
  dialCongestionMaxRetry: 3,
  dialCongestionRetryFrequency: 150,
  dialBusyMaxRetry: 2,
  dialBusyRetryFrequency: 120,
  dialNoAnswerMaxRetry: 1,
  dialNoAnswerRetryFrequency: 600,
  name: "TestCampaign",
  TrunkId: 12,
  IntervalId: 11,
};

for (const dialect of dialects())
  describe(`Xcally Motion face [${dialect.name}]`, () => {
    let f: ApiFixture;
    let auth: string;
    let otherAuth: string;
    let otherKey: string;
    before(async () => {
      f = await apiFixture(dialect.open);
      const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`;
      const user = await f.call({
        method: "POST",
        url: "/v1/users",
        payload: { username: "xadmin", password: "correct horse battery", role: "admin" },
      });
      assert.equal(user.statusCode, 201, user.body);
      auth = basic("xadmin", "correct horse battery");
      const other = await f.newAccount("other");
      otherKey = other.key;
      const otherUser = await f.call({
        method: "POST",
        url: "/v1/users",
        key: other.key,
        payload: { username: "xother", password: "another horse battery", role: "admin" },
      });
      assert.equal(otherUser.statusCode, 201, otherUser.body);
      otherAuth = basic("xother", "another horse battery");
    });
    after(() => f.close());

    const x = (method: string, url: string, payload?: unknown, as = auth) =>
      f.call({
        method: method as "GET",
        url,
        key: null,
        headers: { authorization: as },
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
    const newList = async (name: string) => {
      const res = await x("POST", "/api/cm/lists", { name });
      assert.equal(res.statusCode, 201, res.body);
      return res.json().id as number;
    };
    const newQueue = async (body: Record<string, unknown>) => {
      const res = await x("POST", "/api/voice/queues", body);
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as Record<string, unknown> & { id: number };
    };
    const settingsOf = async (id: number) => {
      const row = await f.store.db
        .selectFrom("campaigns")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      return { status: row.status, settings: JSON.parse(row.settings) as CampaignSettings };
    };
    const phonesOf = async (campaignId: number) =>
      (
        await f.store.db
          .selectFrom("contacts")
          .select("phone")
          .where("campaign_id", "=", campaignId)
          .orderBy("id")
          .execute()
      ).map((r) => r.phone);

    test("lists: create (the seed's shape), read, list, rename, delete", async () => {
      const res = await x("POST", "/api/cm/lists", {
        name: "list1",
        description: "A brief description of my list",
      });
      assert.equal(res.statusCode, 201, res.body);
      const list = res.json();
      assert.deepEqual(Object.keys(list).sort(), ["createdAt", "description", "id", "name", "updatedAt"]);
      assert.equal(list.createdAt, "2026-01-05T12:00:00Z");
      assert.equal((await x("GET", `/api/cm/lists/${list.id}`)).json().name, "list1");
      const put = await x("PUT", `/api/cm/lists/${list.id}`, { name: "renamed" });
      assert.equal(put.statusCode, 200, put.body);
      assert.equal(put.json().name, "renamed");
      assert.equal(put.json().description, "A brief description of my list");
      const all = (await x("GET", "/api/cm/lists")).json();
      assert.ok(all.rows.some((l: { id: number }) => l.id === list.id));
      assert.equal(all.count, all.rows.length);
      const bad = await x("POST", "/api/cm/lists", { description: "no name" });
      assert.equal(bad.statusCode, 400);
      assert.match(errorOf(bad).message, /name/);
      assert.equal((await x("DELETE", `/api/cm/lists/${list.id}`)).statusCode, 204);
      assert.equal((await x("GET", `/api/cm/lists/${list.id}`)).statusCode, 404);
    });

    test("contacts: one with cf_ fields, many in bulk, listed by ListId; a bad phone names the field", async () => {
      const listId = await newList("contacts");
      const one = await x("POST", "/api/cm/contacts", {
        firstName: "John",
        lastName: "doe",
        phone: "393331234567",
        ListId: listId,
        cf_1: "some text",
        cf_3: "some other text",
      });
      assert.equal(one.statusCode, 201, one.body);
      assert.equal(one.json().phone, "+393331234567");
      assert.equal(one.json().cf_3, "some other text");
      assert.equal(one.json().ListId, listId);
      const bulk = await x("POST", `/api/cm/lists/${listId}/contacts`, [
        { ListId: listId, firstName: "test1", lastName: "asdasd", phone: "+14155550100", cf_1: "qwertyuio" },
        { firstName: "test2", lastName: "qweqwe", phone: "442071838750", cf_3: "asdfghjk" },
      ]);
      assert.equal(bulk.statusCode, 201, bulk.body);
      assert.deepEqual(
        bulk.json().map((c: { phone: string }) => c.phone),
        ["+14155550100", "+442071838750"],
      );
      const listed = (await x("GET", `/api/cm/contacts?ListId=${listId}`)).json();
      assert.equal(listed.count, 3);
      assert.equal(listed.rows[1].cf_1, "qwertyuio");

      const badPhone = await x("POST", `/api/cm/lists/${listId}/contacts`, [
        { phone: "+14155550101" },
        { phone: "1234567890" },
      ]);
      assert.equal(badPhone.statusCode, 400);
      assert.equal(errorOf(badPhone).field, "[1].phone");
      const otherList = await x("POST", `/api/cm/lists/${listId}/contacts`, [
        { phone: "+14155550101", ListId: 999 },
      ]);
      assert.equal(errorOf(otherList).field, "[0].ListId");
      const unknownField = await x("POST", "/api/cm/contacts", {
        phone: "+14155550101",
        ListId: listId,
        foo: 1,
      });
      assert.equal(unknownField.statusCode, 400);
      const noList = await x("POST", "/api/cm/contacts", { phone: "+14155550101", ListId: 99999 });
      assert.equal(noList.statusCode, 404);
      assert.equal(
        (await x("GET", `/api/cm/contacts?ListId=${listId}`)).json().count,
        3,
        "nothing half-written",
      );
    });

    test("the seed's queue: an outdial campaign with retry, attempts, ring timeout, AMD and window mapped", async () => {
      const q = await newQueue({ ...SEED_QUEUE, dialAMDActive: true });
      assert.equal(q.name, "TestCampaign");
      assert.equal(q.dialActive, true);
      assert.equal(q.dialMethod, "progressive");
      assert.equal(q.TrunkId, 12);
      const { status, settings } = await settingsOf(q.id);
      assert.equal(status, "running");
      assert.equal(settings.ringTimeoutSec, 30);
      assert.equal(settings.maxAttemptsPerContact, 5);
      assert.deepEqual(settings.retry, {
        // Motion's frequencies are minutes.
        busy: { intervalSec: 120 * 60, maxRetries: 2 },
        no_answer: { intervalSec: 600 * 60, maxRetries: 1 },
        failed: { intervalSec: 150 * 60, maxRetries: 3 },
      });
      assert.equal(settings.amd?.enabled, true);
      assert.equal(settings.amd?.mode, "blocking", "Motion runs AMD() before the queue");
      assert.equal(settings.amd?.params?.initialSilence, 2500);
      assert.equal(settings.amd?.params?.maximumWordLength, 5000);
      assert.deepEqual(settings.schedule, {
        zone: "UTC",
        ranges: [{ days: [1, 2, 3, 4, 5, 6, 7], from: "07:00", to: "22:01" }],
      });
      const xc = settings.vendor.xcally as Record<string, unknown>;
      assert.equal(xc.dialPredictiveOptimization, "dropRate");
      assert.equal(xc.IntervalId, 11);

      const noAmd = await settingsOf((await newQueue({ ...SEED_QUEUE, name: "no amd" })).id);
      assert.equal(noAmd.settings.amd, null, "AMD only when dialAMDActive");
      const paused = await newQueue({
        ...SEED_QUEUE,
        name: "paused",
        dialActive: false,
        dialGlobalInterval: "09:00-12:00&14:00-18:00,mon-fri,*,*,Europe/Rome",
      });
      assert.equal(paused.dialActive, false);
      const p = await settingsOf(paused.id);
      assert.equal(p.status, "draft", "an inactive queue is not started");
      assert.deepEqual(p.settings.schedule, {
        zone: "Europe/Rome",
        ranges: [
          { days: [1, 2, 3, 4, 5], from: "09:00", to: "12:01" },
          { days: [1, 2, 3, 4, 5], from: "14:00", to: "18:01" },
        ],
      });
      const monthly = await settingsOf(
        (await newQueue({ name: "m", type: "outbound", dialGlobalInterval: "07:00-22:00,*,1-15,*" })).id,
      );
      assert.equal(monthly.settings.schedule, null, "a day-of-month spec is no weekly schedule");
      assert.equal(monthly.settings.timeSpec, "07:00-22:00,*,1-15,*", "the engine keeps to the spec itself");
    });

    test("queue errors: a bad dialGlobalInterval, a non-outbound type, an unknown dialMethod, a power level over 10", async () => {
      const bad = await x("POST", "/api/voice/queues", { ...SEED_QUEUE, dialGlobalInterval: "7-22,*,*,*" });
      assert.equal(bad.statusCode, 400);
      assert.equal(errorOf(bad).field, "dialGlobalInterval");
      assert.match(errorOf(bad).message, /dialGlobalInterval\.times/);
      const inbound = await x("POST", "/api/voice/queues", { ...SEED_QUEUE, type: "inbound" });
      assert.equal(inbound.statusCode, 400);
      assert.equal(errorOf(inbound).field, "type");
      const method = await x("POST", "/api/voice/queues", { ...SEED_QUEUE, dialMethod: "magic" });
      assert.equal(method.statusCode, 400);
      assert.equal(errorOf(method).field, "dialMethod");
      const power = await x("POST", "/api/voice/queues", { ...SEED_QUEUE, dialPowerLevel: 1e9 });
      assert.equal(power.statusCode, 400);
      assert.equal(errorOf(power).field, "dialPowerLevel");
    });

    test("PUT: dialActive false pauses, true resumes; other fields remap and stay", async () => {
      const q = await newQueue(SEED_QUEUE);
      const off = await x("PUT", `/api/voice/queues/${q.id}`, { dialActive: false, dialBusyMaxRetry: 7 });
      assert.equal(off.statusCode, 200, off.body);
      assert.equal(off.json().dialActive, false);
      let s = await settingsOf(q.id);
      assert.equal(s.status, "paused");
      assert.deepEqual(s.settings.retry.busy, { intervalSec: 120 * 60, maxRetries: 7 });
      assert.equal(s.settings.ringTimeoutSec, 30);
      const on = await x("PUT", `/api/voice/queues/${q.id}`, { dialActive: true });
      assert.equal(on.json().dialActive, true);
      s = await settingsOf(q.id);
      assert.equal(s.status, "running");
      assert.equal((s.settings.vendor.xcally as { dialBusyMaxRetry: number }).dialBusyMaxRetry, 7);
      // A line cap set through /v1 survives a queue update (Motion's queues have none of their own).
      const capped = await f.call({
        method: "PATCH",
        url: `/v1/campaigns/${q.id}`,
        payload: { settings: { maxConcurrent: 50 } },
      });
      assert.equal(capped.statusCode, 200, capped.body);
      await x("PUT", `/api/voice/queues/${q.id}`, { description: "renamed" });
      assert.equal((await settingsOf(q.id)).settings.maxConcurrent, 50);
      const bad = await x("PUT", `/api/voice/queues/${q.id}`, { dialGlobalInterval: "07:00-22:00,*,*" });
      assert.equal(errorOf(bad).field, "dialGlobalInterval");
      assert.equal(
        (await x("GET", `/api/voice/queues/${q.id}`)).json().dialGlobalInterval,
        "07:00-22:00,*,*,*",
      );
    });

    test("linking lists copies contacts, honouring each dialCheckDuplicateType", async () => {
      const a = await newList("a");
      const b = await newList("b");
      await x("POST", `/api/cm/lists/${a}/contacts`, [
        { phone: "+14155550201", firstName: "Ann", cf_2: "x" },
        { phone: "+14155550202" },
      ]);
      await x("POST", `/api/cm/lists/${b}/contacts`, [{ phone: "+14155550202" }, { phone: "+14155550203" }]);

      const never = await newQueue({ ...SEED_QUEUE, name: "never", dialCheckDuplicateType: "never" });
      const linked = await x("POST", `/api/voice/queues/${never.id}/lists`, { id: never.id, ids: [a, b] });
      assert.equal(linked.statusCode, 200, linked.body);
      assert.deepEqual(linked.json(), { id: never.id, ids: [a, b], contactsAdded: 4, duplicatesSkipped: 0 });
      const copied = await f.store.db
        .selectFrom("contacts")
        .selectAll()
        .where("campaign_id", "=", never.id)
        .orderBy("id")
        .executeTakeFirstOrThrow();
      assert.deepEqual(JSON.parse(copied.custom), { firstName: "Ann", lastName: null, cf_2: "x" });
      assert.equal(copied.status, "pending");

      const always = await newQueue({ ...SEED_QUEUE, name: "always" });
      const r = await x("POST", `/api/voice/queues/${always.id}/lists`, { ids: [a, b] });
      assert.equal(r.json().duplicatesSkipped, 1);
      // A contact already called (final status) still counts for "always", not for "onlyIfOpen".
      const open = await newQueue({ ...SEED_QUEUE, name: "open", dialCheckDuplicateType: "onlyIfOpen" });
      await x("POST", `/api/voice/queues/${open.id}/lists`, { ids: [a] });
      await f.store.db
        .updateTable("contacts")
        .set({ status: "failed" })
        .where("campaign_id", "=", open.id)
        .where("phone", "=", "+14155550202")
        .execute();
      await f.store.db
        .updateTable("contacts")
        .set({ status: "failed" })
        .where("campaign_id", "=", always.id)
        .where("phone", "=", "+14155550202")
        .execute();
      const c = await newList("c");
      await x("POST", `/api/cm/lists/${c}/contacts`, [{ phone: "+14155550202" }, { phone: "+14155550201" }]);
      const o = await x("POST", `/api/voice/queues/${open.id}/lists`, { ids: [c] });
      assert.deepEqual([o.json().contactsAdded, o.json().duplicatesSkipped], [1, 1]);
      const al = await x("POST", `/api/voice/queues/${always.id}/lists`, { ids: [c] });
      assert.deepEqual([al.json().contactsAdded, al.json().duplicatesSkipped], [0, 2]);
      assert.deepEqual(await phonesOf(open.id), ["+14155550201", "+14155550202", "+14155550202"]);

      // Linking again copies nothing; a contact added to a linked list later is copied.
      const again = await x("POST", `/api/voice/queues/${never.id}/lists`, { ids: [a] });
      assert.equal(again.json().contactsAdded, 0);
      await x("POST", "/api/cm/contacts", { phone: "+14155550204", ListId: a });
      assert.equal((await phonesOf(never.id)).length, 5);
      assert.equal(
        (await x("POST", `/api/voice/queues/${never.id}/lists`, { ids: [99999] })).statusCode,
        404,
      );
    });

    test("a queue's users are outdial agents: they join its queue with the penalty and it dials by its dialMethod", async () => {
      const q = await newQueue({ ...SEED_QUEUE, name: "agents", strategy: "rrmemory" });
      const listId = await newList("agents");
      const settingsOf = async () =>
        JSON.parse(
          (
            await f.store.db
              .selectFrom("campaigns")
              .select("settings")
              .where("id", "=", q.id)
              .executeTakeFirstOrThrow()
          ).settings,
        );
      // No agents yet: robot-style dialing, with the queue's other dialing fields already mapped.
      const before = await settingsOf();
      assert.equal(before.dialMethod, "robot");
      assert.equal(before.agentSelection, "round_robin");
      assert.equal(before.targetAbandonRate, 0.03);
      const agentIds: number[] = [];
      for (const name of ["A", "B", "C"]) {
        const a = await f.call({ method: "POST", url: "/v1/agents", payload: { name } });
        assert.equal(a.statusCode, 201, a.body);
        agentIds.push(a.json().id);
      }
      const r = await x("POST", `/api/voice/queues/${q.id}/users`, { id: q.id, ids: agentIds, penalty: "2" });
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual(r.json(), { id: q.id, ids: agentIds, penalty: "2" });
      const members = await f.call({ method: "GET", url: `/v1/campaigns/${q.id}/agents` });
      assert.deepEqual(
        (members.json().data as { agent_id: number; penalty: number }[]).map((m) => [m.agent_id, m.penalty]),
        agentIds.map((id) => [id, 2]),
      );
      assert.equal((await settingsOf()).dialMethod, "progressive");
      // A later PUT keeps the agents' dial method, and maps a new one.
      const put = await x("PUT", `/api/voice/queues/${q.id}`, { dialMethod: "predictive" });
      assert.equal(put.statusCode, 200, put.body);
      assert.equal((await settingsOf()).dialMethod, "predictive");

      const unknown = await x("POST", `/api/voice/queues/${q.id}/users`, { ids: [999999] });
      assert.equal(unknown.statusCode, 404);
      assert.match(errorOf(unknown).message, /agent 999999/);
      const l = await x("POST", `/api/cm/lists/${listId}/users`, { id: listId, ids: agentIds.slice(1) });
      assert.equal(l.statusCode, 200, l.body);
      const rows = await f.store.db
        .withTables<{ xcally_agent_links: { kind: string; agent_id: number } }>()
        .selectFrom("xcally_agent_links")
        .selectAll()
        .execute();
      assert.equal(rows.filter((x) => x.kind === "queue").length, 3);
      assert.equal(rows.filter((x) => x.kind === "list").length, 2);
      const bad = await x("POST", `/api/voice/queues/${q.id}/users`, { ids: ["a"] });
      assert.equal(bad.statusCode, 400);
      assert.match(String(errorOf(bad).field), /^ids/);
    });

    test("a list's users are agents of the account: an unknown or another account's agent is a 404, nothing stored", async () => {
      const listId = await newList("list users");
      const mine = await f.call({ method: "POST", url: "/v1/agents", payload: { name: "mine" } });
      const theirs = await f.call({
        method: "POST",
        url: "/v1/agents",
        key: otherKey,
        payload: { name: "theirs" },
      });
      assert.equal(theirs.statusCode, 201, theirs.body);
      const links = async () =>
        (
          await f.store.db
            .withTables<{ xcally_agent_links: { kind: string; target_id: number; agent_id: number } }>()
            .selectFrom("xcally_agent_links")
            .select("agent_id")
            .where("kind", "=", "list")
            .where("target_id", "=", listId)
            .execute()
        ).map((r) => r.agent_id);
      for (const id of [999999, theirs.json().id]) {
        const res = await x("POST", `/api/cm/lists/${listId}/users`, { ids: [mine.json().id, id] });
        assert.equal(res.statusCode, 404, res.body);
        assert.match(errorOf(res).message, new RegExp(`agent ${id} not found`));
        assert.deepEqual(await links(), []);
      }
      const ok = await x("POST", `/api/cm/lists/${listId}/users`, { ids: [mine.json().id] });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.deepEqual(await links(), [mine.json().id]);
    });

    test("lists page by limit and offset, count being the total; an unknown parameter is a 400", async () => {
      const ids = [await newList("p1"), await newList("p2"), await newList("p3")];
      const all = await x("GET", "/api/cm/lists?limit=1000");
      const total = all.json().count as number;
      assert.ok(total >= 3);
      const page = await x("GET", `/api/cm/lists?limit=2&offset=${total - 3}`);
      assert.equal(page.statusCode, 200, page.body);
      assert.equal(page.json().count, total);
      assert.deepEqual(
        page.json().rows.map((l: { id: number }) => l.id),
        ids.slice(0, 2),
      );
      for (const q of ["bogus=1", "limit=0", "offset=-1"]) {
        const bad = await x("GET", `/api/cm/lists?${q}`);
        assert.equal(bad.statusCode, 400, `${q}: ${bad.body}`);
        assert.equal(errorOf(bad).code, "invalid_request");
      }
    });

    test("another account's user gets 404 for everything, and its own list of nothing", async () => {
      const listId = await newList("mine");
      const q = await newQueue({ ...SEED_QUEUE, name: "mine" });
      const as = otherAuth;
      assert.equal((await x("GET", `/api/cm/lists/${listId}`, undefined, as)).statusCode, 404);
      assert.equal((await x("PUT", `/api/cm/lists/${listId}`, { name: "z" }, as)).statusCode, 404);
      assert.equal((await x("DELETE", `/api/cm/lists/${listId}`, undefined, as)).statusCode, 404);
      assert.equal(
        (await x("POST", "/api/cm/contacts", { phone: "+14155550300", ListId: listId }, as)).statusCode,
        404,
      );
      assert.equal(
        (await x("POST", `/api/cm/lists/${listId}/contacts`, [{ phone: "+14155550300" }], as)).statusCode,
        404,
      );
      assert.equal((await x("POST", `/api/cm/lists/${listId}/users`, { ids: [1] }, as)).statusCode, 404);
      assert.equal((await x("GET", `/api/voice/queues/${q.id}`, undefined, as)).statusCode, 404);
      assert.equal((await x("PUT", `/api/voice/queues/${q.id}`, { dialActive: false }, as)).statusCode, 404);
      assert.equal(
        (await x("POST", `/api/voice/queues/${q.id}/lists`, { ids: [listId] }, as)).statusCode,
        404,
      );
      assert.equal((await x("POST", `/api/voice/queues/${q.id}/users`, { ids: [1] }, as)).statusCode, 404);
      assert.equal((await x("GET", "/api/cm/lists", undefined, as)).json().count, 0);
      assert.equal((await x("GET", "/api/cm/contacts", undefined, as)).json().count, 0);
      // Its own queue cannot take this account's list either.
      const theirs = await x("POST", "/api/voice/queues", { name: "theirs", type: "outbound" }, as);
      assert.equal(theirs.statusCode, 201, theirs.body);
      assert.equal(
        (await x("POST", `/api/voice/queues/${theirs.json().id}/lists`, { ids: [listId] }, as)).statusCode,
        404,
      );
      // A native campaign is not a queue.
      const native = await f.call({ method: "POST", url: "/v1/campaigns", payload: { name: "native" } });
      assert.equal((await x("GET", `/api/voice/queues/${native.json().id}`)).statusCode, 404);
    });

    test("CSV upload in two steps: binding, duplicates, bad rows reported, copied into linked queues", async () => {
      const listId = await newList("csv");
      await x("POST", "/api/cm/contacts", { phone: "+14155550401", ListId: listId });
      const q = await newQueue({ ...SEED_QUEUE, name: "csv", dialCheckDuplicateType: "never" });
      await x("POST", `/api/voice/queues/${q.id}/lists`, { ids: [listId] });
      const csv =
        "Nome;telefono;citta\nAnna;+14155550401;Roma\nBea;14155550402;Milano\nCarla;12;Napoli\nBea2;+14155550402;Pisa\n";
      const up = await f.call({
        method: "POST",
        url: "/api/cm/contacts/upload",
        key: null,
        headers: { authorization: auth, "content-type": "application/x-www-form-urlencoded" },
        payload: csv,
      });
      assert.equal(up.statusCode, 201, up.body);
      const file = up.json().id as string;
      const body = {
        id: file,
        binding: { firstName: "Nome", phone: " telefono", cf_1: "citta" },
        ListId: listId,
      };
      const missing = await x("POST", `/api/cm/contacts/upload/${file}`, {
        ...body,
        binding: { phone: "tel" },
      });
      assert.equal(missing.statusCode, 400);
      assert.equal(errorOf(missing).field, "binding.phone");
      assert.equal(
        (await x("POST", `/api/cm/contacts/upload/${file}`, body, otherAuth)).statusCode,
        404,
        "another account cannot import it",
      );
      const res = await x("POST", `/api/cm/contacts/upload/${file}`, { ...body, duplicates: ["phone"] });
      assert.equal(res.statusCode, 200, res.body);
      const r = res.json();
      assert.equal(r.created, 1);
      assert.equal(r.duplicates, 2);
      assert.deepEqual(
        r.errors.map((e: { row: number; field: string }) => [e.row, e.field]),
        [[4, "phone"]],
      );
      const rows = (await x("GET", `/api/cm/contacts?ListId=${listId}`)).json().rows;
      assert.deepEqual(
        rows.map((c: { firstName: string | null; phone: string; cf_1?: string }) => [
          c.firstName,
          c.phone,
          c.cf_1,
        ]),
        [
          [null, "+14155550401", undefined],
          ["Bea", "+14155550402", "Milano"],
        ],
      );
      assert.deepEqual(await phonesOf(q.id), ["+14155550401", "+14155550402"]);
      assert.equal(
        (await x("POST", `/api/cm/contacts/upload/${file}`, body)).statusCode,
        404,
        "imported once",
      );
    });

    test("CSV upload duplicates compare values as text: a cf_ field sent as a JSON number or boolean matches the file's text", async () => {
      const listId = await newList("typed");
      const added = await x("POST", `/api/cm/lists/${listId}/contacts`, [
        { phone: "+14155550501", cf_1: 123, cf_2: true },
        { phone: "+14155550502", cf_1: 4.5, cf_2: false },
      ]);
      assert.equal(added.statusCode, 201, added.body);
      const csv =
        "tel;code;flag\n+14155550511;123;x\n+14155550512;4.5;x\n+14155550513;124;y\n+14155550514;999;x\n+14155550515;123;y\n";
      const up = await f.call({
        method: "POST",
        url: "/api/cm/contacts/upload",
        key: null,
        headers: { authorization: auth, "content-type": "text/csv" },
        payload: csv,
      });
      assert.equal(up.statusCode, 201, up.body);
      const res = await x("POST", `/api/cm/contacts/upload/${up.json().id}`, {
        binding: { phone: "tel", cf_1: "code", cf_2: "flag" },
        ListId: listId,
        duplicates: ["cf_1"],
      });
      assert.equal(res.statusCode, 200, res.body);
      // 123 and 4.5 are stored contacts' values (as numbers); the last row repeats the first row's 123.
      assert.deepEqual([res.json().created, res.json().duplicates], [2, 3]);
      const rows = (await x("GET", `/api/cm/contacts?ListId=${listId}`)).json().rows as { phone: string }[];
      assert.deepEqual(
        rows.map((c) => c.phone),
        ["+14155550501", "+14155550502", "+14155550513", "+14155550514"],
      );
      // A boolean matches its text as well.
      const again = await f.call({
        method: "POST",
        url: "/api/cm/contacts/upload",
        key: null,
        headers: { authorization: auth, "content-type": "text/csv" },
        payload: "tel;flag\n+14155550521;true\n+14155550522;no\n",
      });
      const flags = await x("POST", `/api/cm/contacts/upload/${again.json().id}`, {
        binding: { phone: "tel", cf_2: "flag" },
        ListId: listId,
        duplicates: ["cf_2"],
      });
      assert.equal(flags.statusCode, 200, flags.body);
      assert.deepEqual([flags.json().created, flags.json().duplicates], [1, 1]);
    });

    test("a role without campaigns:write cannot create queues", async () => {
      const key = await f.keyWithRole("call_list_manager");
      const res = await f.call({ method: "POST", url: "/api/voice/queues", key, payload: SEED_QUEUE });
      assert.equal(res.statusCode, 403);
      const list = await f.call({ method: "POST", url: "/api/cm/lists", key, payload: { name: "ok" } });
      assert.equal(list.statusCode, 201);
    });
  });
