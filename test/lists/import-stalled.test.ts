// An upload whose client stops sending without closing its connection (a dropped mobile link, a stuck
// proxy) held the campaign's import lock for as long as the connection stayed open: every later import and
// JSON add into the campaign waited behind it (found by an audit, 2026-12-05). OUTDIAL_IMPORT_IDLE_SEC
// gives such an upload up with a 408, writing nothing. Real HTTP on 127.0.0.1; a 1 s limit here.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { PassThrough, Readable } from "node:stream";
import { after, before, test } from "node:test";
import { importCsv } from "../../src/lists/import.ts";
import { type ApiFixture, apiFixture } from "../api/helpers.ts";
import { createCampaign } from "../helpers/fixtures.ts";

let f: ApiFixture;
let base: string;
before(async () => {
  f = await apiFixture(undefined, { OUTDIAL_IMPORT_IDLE_SEC: "1" });
  await f.app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(f.app.server.address() as AddressInfo).port}`;
});
after(() => f.close());

async function newList(): Promise<{ campaignId: number; url: string }> {
  const headers = { authorization: `Bearer ${f.key}`, "content-type": "application/json" };
  const post = async (url: string, body: object) =>
    (await fetch(`${base}${url}`, { method: "POST", headers, body: JSON.stringify(body) })).json();
  const campaign = await post("/v1/campaigns", { name: "stalled" });
  const list = await post(`/v1/campaigns/${campaign.id}/lists`, { name: "people" });
  return { campaignId: campaign.id, url: `${base}/v1/campaigns/${campaign.id}/lists/${list.id}` };
}

/** Starts an upload that sends `head` and then nothing, its connection left open; resolves to its answer. */
function stalledUpload(url: string, contentType: string, head: string) {
  const u = new URL(url);
  return new Promise<{ status: number; body: { error?: { code: string; message: string } } }>(
    (resolve, reject) => {
      const req = http.request({
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: "POST",
        headers: {
          authorization: `Bearer ${f.key}`,
          "content-type": contentType,
          "transfer-encoding": "chunked",
        },
      });
      req.on("error", reject);
      req.on("response", (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d) => {
          text += d;
        });
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
          req.destroy();
        });
      });
      req.write(head);
    },
  );
}

async function addOne(url: string, phone: string) {
  const res = await fetch(`${url}/contacts`, {
    method: "POST",
    headers: { authorization: `Bearer ${f.key}`, "content-type": "application/json" },
    body: JSON.stringify({ contacts: [{ phone }] }),
  });
  return { status: res.status, body: await res.json() };
}

const phones = async (campaignId: number) =>
  (await f.store.db.selectFrom("contacts").select("phone").where("campaign_id", "=", campaignId).execute())
    .map((r) => r.phone)
    .sort();

test("a raw upload that goes quiet is given up with a 408, writes nothing, and the next import goes ahead", {
  timeout: 20_000,
}, async () => {
  const { campaignId, url } = await newList();
  const started = Date.now();
  const stalled = stalledUpload(`${url}/import`, "text/csv", "phone\n+13125550100\n");
  await new Promise((r) => setTimeout(r, 200));
  // Queued behind the stalled upload for the campaign's import lock.
  const next = addOne(url, "+13125550101");
  const answer = await stalled;
  assert.equal(answer.status, 408);
  assert.equal(answer.body.error?.code, "upload_stalled");
  assert.match(answer.body.error?.message ?? "", /sent nothing for 1 s/);
  assert.ok(Date.now() - started < 10_000, "given up after about a second, not at the connection's end");
  const added = await next;
  assert.equal(added.status, 200, JSON.stringify(added.body));
  assert.deepEqual(await phones(campaignId), ["+13125550101"], "nothing of the stalled upload was written");
});

test("a multipart upload that goes quiet inside its file part is given up the same way", {
  timeout: 20_000,
}, async () => {
  const { campaignId, url } = await newList();
  const boundary = "----outdialStalled";
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="c.csv"\r\nContent-Type: text/csv\r\n\r\nphone\n+13125550200\n`;
  const answer = await stalledUpload(`${url}/import`, `multipart/form-data; boundary=${boundary}`, head);
  assert.equal(answer.status, 408);
  assert.equal(answer.body.error?.code, "upload_stalled");
  const added = await addOne(url, "+13125550201");
  assert.equal(added.status, 200);
  assert.deepEqual(await phones(campaignId), ["+13125550201"]);
});

test("an upload that keeps sending, however slowly, is not given up", async () => {
  const { campaignId, url } = await newList();
  const u = new URL(`${url}/import`);
  const answer = new Promise<number>((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: "POST",
        headers: { authorization: `Bearer ${f.key}`, "content-type": "text/csv" },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", reject);
    (async () => {
      req.write("phone\n");
      // Three pieces 600 ms apart: 1.8 s in all, each gap under the 1 s limit.
      for (const n of ["300", "301", "302"]) {
        await new Promise((r) => setTimeout(r, 600));
        req.write(`+13125550${n}\n`);
      }
      req.end();
    })();
  });
  assert.equal(await answer, 200);
  assert.deepEqual(await phones(campaignId), ["+13125550300", "+13125550301", "+13125550302"]);
});

test("no idle timer outlives a finished import, when the end comes before the last chunk is staged", async () => {
  const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
  const g = await apiFixture();
  try {
    const { campaignId, listId } = await createCampaign(g.store, g.accountId);
    const target = { accountId: g.accountId, campaignId, listId, now: g.clock.now(), idleMs: 30_000 };
    await new Promise((r) => setTimeout(r, 20));
    const before = timeouts();
    const buffered = new PassThrough();
    buffered.end("phone\n+12125550100\n"); // data and end both buffered, as a small upload queued for the lock
    assert.equal((await importCsv(g.store, target, buffered)).inserted, 1);
    const chunks = Readable.from([Buffer.from("phone\n"), Buffer.from("+12125550101\n")]);
    assert.equal((await importCsv(g.store, target, chunks)).inserted, 1);
    await new Promise((r) => setImmediate(r));
    assert.equal(timeouts(), before, "an idle timer is still armed after the imports answered");
  } finally {
    await g.close();
  }
});
