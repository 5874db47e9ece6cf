// A multipart body is held to the face's size limit in total. Every part was read whole up to maxBytes
// (OUTDIAL_MAX_IMPORT_BYTES, 200 MiB by default), up to 200 parts, each kept under its name: one request from
// any key that may read call lists could make the node hold 200 × maxBytes before a method ran. Now the
// file_content parts may hold maxBytes together and every other part OTHER_PARTS_MAX_BYTES (64 KiB)
// together; past either the body is refused (101) at the part that passes it, nothing more of it kept.
// Shown under a 64 KiB limit.
import assert from "node:assert/strict";
import { test } from "node:test";
import { OTHER_PARTS_MAX_BYTES } from "../../../src/api/compat/voximplant/body.ts";
import { issueApiKey } from "../../../src/api/plugins/auth.ts";
import { buildApp } from "../../../src/app.ts";
import { VirtualClock } from "../../../src/clock/virtual-clock.ts";
import { loadConfig } from "../../../src/config/config.ts";
import { Engine } from "../../../src/engine/engine.ts";
import { insertAccount } from "../../../src/store/accounts.ts";
import { openStore } from "../../../src/store/db.ts";
import { createDriver } from "../../../src/telephony/index.ts";
import { listFields, T0 } from "./helpers.ts";

const MAX_BYTES = 64 * 1024;
const BOUNDARY = "XyZb0undary";

/** The face under a 64 KiB limit; `send` posts the parts (name, value) in order with an owner's key. */
async function withSmallLimit(
  run: (send: (parts: [string, string][]) => Promise<Record<string, unknown>>) => Promise<void>,
): Promise<void> {
  const store = await openStore({ url: ":memory:" });
  const clock = new VirtualClock(T0);
  const driver = createDriver("sim", { clock }, { seed: 1, scenario: "all_human" });
  const engine = new Engine({ store, clock, driver, nodeId: "t", leaseMs: 3_600_000, maxChannels: null });
  const app = await buildApp({
    store,
    engine,
    clock,
    config: loadConfig({ OUTDIAL_DATABASE_URL: ":memory:", OUTDIAL_MAX_IMPORT_BYTES: String(MAX_BYTES) }),
  });
  try {
    await app.ready();
    const accountId = await insertAccount(store.db, "acme", clock.now());
    const { key } = await issueApiKey(store.db, { accountId, name: "k", role: "owner", now: clock.now() });
    await run(async (parts) => {
      const payload = Buffer.concat([
        ...parts.map(([name, value]) =>
          Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
        ),
        Buffer.from(`--${BOUNDARY}--\r\n`),
      ]);
      const res = await app.inject({
        method: "POST",
        url: "/platform_api",
        headers: {
          "content-type": `multipart/form-data; boundary=${BOUNDARY}`,
          authorization: `Bearer ${key}`,
        },
        payload,
      });
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    });
  } finally {
    await app.close();
    await engine.shutdown();
    await driver.close();
    await store.close();
  }
}

const refusal = (body: Record<string, unknown>) => body.error as { code: number; msg: string } | undefined;

test("parts other than file_content over 64 KiB together are refused (101) at the part that passes it", async () => {
  await withSmallLimit(async (send) => {
    const parts: [string, string][] = [["cmd", "GetCallLists"]];
    for (let i = 0; i < 40; i++) parts.push([`pad${i}`, "x".repeat(60 * 1024)]);
    const body = await send(parts);
    assert.equal(refusal(body)?.code, 101, JSON.stringify(body));
    // Refused at the part that passed the limit (the second), not once all 40 were read.
    assert.match(
      refusal(body)?.msg ?? "",
      new RegExp(
        `other than 'file_content' are over ${OTHER_PARTS_MAX_BYTES} bytes together \\(at the 'pad1' part\\)`,
      ),
    );
  });
});

test("file_content parts over the limit together are refused (101); one near it, with the other fields, is read", async () => {
  await withSmallLimit(async (send) => {
    const asParts = (fields: Record<string, string | number>): [string, string][] =>
      Object.entries(fields).map(([k, v]) => [k, String(v)]);
    const half = `phone\n${"+12125550100\n".repeat(3000)}`; // 39,006 bytes
    const twice = await send([
      ["cmd", "CreateCallList"],
      ...asParts(listFields()),
      ["file_content", half],
      ["file_content", half],
    ]);
    assert.equal(refusal(twice)?.code, 101, JSON.stringify(twice));
    assert.match(refusal(twice)?.msg ?? "", /'file_content' field is over 65536 bytes/);

    const rows = Array.from({ length: 4500 }, (_, i) => `+1212${String(5_000_000 + i)}`);
    const file = `phone\n${rows.join("\n")}\n`; // 58,506 bytes
    const created = await send([["cmd", "CreateCallList"], ...asParts(listFields({ file_content: file }))]);
    assert.equal(created.count, 4500, JSON.stringify(created));
  });
});
