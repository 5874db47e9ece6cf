// A task's webhookUrls are stored in the one spelling new URL() gives (as /v1/webhooks stores them), so a
// PUT naming the same URL spelled otherwise keeps its subscription, and the secret the receiver was given,
// rather than switch it off for a new one whose secret nobody has (outbox audit).
import assert from "node:assert/strict";
import { test } from "node:test";
import { manualTask, withFixture } from "./helpers.ts";

const TASKS = "/cis/api/v1/telephony/autoCall";

test("a PUT naming a task's webhook URL in another spelling keeps its subscription and secret", () =>
  withFixture("all_human", async (f) => {
    const uuid = await f.createTask(manualTask({ webhookUrls: ["HTTPS://Hooks.Example/h"] }));
    const listed = (await f.call({ method: "GET", url: "/v1/webhooks" })).json().data;
    assert.deepEqual(
      listed.map((h: { url: string }) => h.url),
      ["https://hooks.example/h"],
    );
    const rotated = await f.call({ method: "POST", url: `/v1/webhooks/${listed[0].id}/rotate-secret` });
    assert.equal(rotated.statusCode, 200);
    const put = await f.call({
      method: "PUT",
      url: `${TASKS}/${uuid}`,
      payload: manualTask({ name: "renamed", webhookUrls: [{ url: "https://HOOKS.example:443/h" }] }),
    });
    assert.equal(put.statusCode, 200, put.body);
    const after = (await f.call({ method: "GET", url: "/v1/webhooks" })).json().data;
    assert.deepEqual(
      after.map((h: { id: number; active: boolean }) => [h.id, h.active]),
      [[listed[0].id, true]],
    );
  }));

test("a subscription stored in another spelling (before this rule) is kept by a PUT, and respelled", () =>
  withFixture("all_human", async (f) => {
    const uuid = await f.createTask(manualTask({ webhookUrls: ["https://hooks.example/h"] }));
    await f.store.db.updateTable("webhooks").set({ url: "HTTPS://Hooks.Example/h" }).execute();
    const [before] = (await f.call({ method: "GET", url: "/v1/webhooks" })).json().data;
    const put = await f.call({
      method: "PUT",
      url: `${TASKS}/${uuid}`,
      payload: manualTask({ name: "renamed", webhookUrls: ["HTTPS://Hooks.Example/h"] }),
    });
    assert.equal(put.statusCode, 200, put.body);
    const after = (await f.call({ method: "GET", url: "/v1/webhooks" })).json().data;
    assert.deepEqual(
      after.map((h: { id: number; url: string; active: boolean }) => [h.id, h.url, h.active]),
      [[before.id, "https://hooks.example/h", true]],
    );
  }));

const only = (name: string, delay = 0) => ({ delay, events: { [name]: { name, value: true } } });

test("an event a URL already takes, listed for it again (in any spelling), is a 400 naming the entry", () =>
  withFixture("all_human", async (f) => {
    const res = await f.call({
      method: "POST",
      url: TASKS,
      payload: manualTask({
        webhookUrls: [
          "https://hooks.example/h",
          { url: "HTTPS://Hooks.Example:443/h", ...only("CALL_ENDED", 4) },
        ],
      }),
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.match(res.body, /webhookUrls\[1\]/);
    assert.match(res.body, /takes attempt\.ended at webhookUrls\[0\] already/);
    assert.deepEqual((await f.call({ method: "GET", url: "/v1/webhooks" })).json().data, []);
    const uuid = await f.createTask(manualTask({ webhookUrls: ["https://hooks.example/h"] }));
    const put = await f.call({
      method: "PUT",
      url: `${TASKS}/${uuid}`,
      payload: manualTask({ webhookUrls: ["https://hooks.example/h", "https://hooks.example/h"] }),
    });
    assert.equal(put.statusCode, 400, put.body);
    assert.equal((await f.call({ method: "GET", url: "/v1/webhooks" })).json().data.length, 1);
  }));

test("one URL listed for different events, each with its own delay, is a subscription for each", () =>
  withFixture("all_human", async (f) => {
    await f.createTask(
      manualTask({
        webhookUrls: [
          { url: "https://hooks.example/h", ...only("AUTOCALL_STATUS_CHANGED") },
          { url: "https://hooks.example/h", ...only("CALL_ENDED", 4) },
          { url: "https://hooks.example/h", events: {} },
        ],
      }),
    );
    const hooks = (await f.call({ method: "GET", url: "/v1/webhooks" })).json().data;
    assert.deepEqual(
      hooks.map((h: { events: string[]; delay_sec: number }) => [h.events, h.delay_sec]),
      [
        [["campaign.status_changed"], 0],
        [["attempt.ended"], 4],
      ],
    );
  }));
