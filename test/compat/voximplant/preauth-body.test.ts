// A form body's account_id + api_key are checked only once the body is read, so for a client not yet known
// only a small body with its Content-Length is read (64 KiB): a multipart request with no credentials made
// the server buffer many times the import limit (each part had its own limit) before refusing it.
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { buildApp } from "../../../src/app.ts";
import { VirtualClock } from "../../../src/clock/virtual-clock.ts";
import { loadConfig } from "../../../src/config/config.ts";
import { Engine } from "../../../src/engine/engine.ts";
import { openStore } from "../../../src/store/db.ts";
import { createDriver } from "../../../src/telephony/index.ts";

test("an unauthenticated multipart body is refused before it is read", async () => {
  const store = await openStore({ url: ":memory:" });
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
  const driver = createDriver("sim", { clock }, { seed: 1, scenario: "all_human" });
  const engine = new Engine({ store, clock, driver, nodeId: "r9", leaseMs: 3_600_000, maxChannels: null });
  const maxBytes = 64 * 1024;
  const app = await buildApp({
    store,
    engine,
    clock,
    config: loadConfig({ OUTDIAL_DATABASE_URL: ":memory:", OUTDIAL_MAX_IMPORT_BYTES: String(maxBytes) }),
  });
  try {
    await app.ready();
    const boundary = "----r9boundary";
    const chunks: Buffer[] = [];
    const field = "x".repeat(maxBytes - 1024);
    // 40 fields, each under the per-field limit, ~40x the import limit in all; no credentials anywhere.
    for (let i = 0; i < 40; i++) {
      chunks.push(
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\n${field}\r\n`),
      );
    }
    chunks.push(Buffer.from(`--${boundary}--\r\n`));
    let consumed = 0;
    let i = 0;
    const payload = new Readable({
      read() {
        if (i < chunks.length) {
          consumed += chunks[i].length;
          this.push(chunks[i++]);
        } else this.push(null);
      },
    });
    const res = await app.inject({
      method: "POST",
      url: "/platform_api/GetCallLists",
      headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
      payload,
    });
    assert.equal(res.json().error?.code, 100, res.body);
    assert.ok(
      consumed <= 2 * maxBytes,
      `read ${consumed} bytes (${(consumed / maxBytes).toFixed(1)}x the ${maxBytes}-byte limit) from an unauthenticated client before refusing it`,
    );
  } finally {
    await app.close();
    await engine.shutdown();
    await driver.close();
    await store.close();
  }
});
