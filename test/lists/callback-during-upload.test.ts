// On PostgreSQL a CSV import holds its campaign's duplicates lock for its whole upload (a slow client may
// take minutes). An agent's callback took that same lock, to keep the campaign's completion from reading
// its contacts mid-write: it hung until the upload ended, holding one of the dialer's pooled connections,
// and ten of them stalled every other statement of the node (import13). Writers making contacts pending now
// hold the completion off with a lock of their own, shared, which an upload does not keep them from.
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { importCsv } from "../../src/lists/import.ts";
import { scheduleCallback } from "../../src/store/agent-calls.ts";
import type { Store } from "../../src/store/db.ts";
import { insertAttempt } from "../api/helpers.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const CALLBACK_AT = NOW + 3_600_000;

function within<T>(ms: number, p: Promise<T>): Promise<T | "timeout"> {
  return Promise.race([p, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), ms))]);
}

/** An import whose client has sent its first rows and waits to send the rest until `release`. */
function slowUpload(store: Store, target: { accountId: number; campaignId: number; listId: number }) {
  let release!: () => void;
  const rest = new Promise<void>((r) => {
    release = r;
  });
  let started!: () => void;
  const uploading = new Promise<void>((r) => {
    started = r;
  });
  const file = Readable.from(
    (async function* () {
      yield Buffer.from("phone,name\n+13125550100,Ann\n");
      started();
      await rest;
      yield Buffer.from("+13125550101,Bob\n");
    })(),
  );
  const done = importCsv(store, { ...target, now: NOW }, file);
  return { uploading, release, done };
}

for (const dialect of dialects()) {
  describe(`agents' callbacks while a CSV uploads into their campaign [${dialect.name}]`, () => {
    let store: Store;
    before(async () => {
      store = await dialect.open();
    });
    after(() => store.close());

    test("answer at once, and the node's other statements run, while the upload is still coming", async () => {
      const accountId = await createAccount(store, "acme", NOW);
      const ids = await createCampaign(store, accountId, {}, { name: "c", now: NOW });
      const target = { accountId, ...ids };
      await store.db
        .updateTable("campaigns")
        .set({ status: "running" })
        .where("id", "=", ids.campaignId)
        .execute();
      // Twelve people called and settled: their agents now set callbacks.
      const phones = Array.from({ length: 12 }, (_, i) => `+1212555${String(100 + i).padStart(4, "0")}`);
      const contactIds = await addContacts(
        store,
        target,
        phones.map((p) => ({ phones: [p] })),
      );
      const attemptIds: number[] = [];
      for (const [i, contactId] of contactIds.entries()) {
        await store.db
          .updateTable("contacts")
          .set({ status: "failed", attempts: 1, updated_at: NOW })
          .where("id", "=", contactId)
          .execute();
        const a = { ...target, contactId, seq: 1, startedAt: NOW - 60_000, phone: phones[i] };
        attemptIds.push(await insertAttempt(store, { ...a, outcome: "human", answeredAt: NOW - 50_000 }));
      }

      const upload = slowUpload(store, target);
      try {
        await upload.uploading;
        await new Promise((r) => setTimeout(r, 200));
        const one = await within(3_000, scheduleCallback(store, accountId, attemptIds[0], CALLBACK_AT, NOW));
        assert.equal(
          one,
          null,
          "an agent's callback is set while the upload goes on (not still waiting after 3 s)",
        );
        const many = attemptIds.slice(1).map((a) => scheduleCallback(store, accountId, a, CALLBACK_AT, NOW));
        assert.deepEqual(await within(3_000, Promise.all(many)), Array(11).fill(null));
        const read = await within(3_000, store.db.selectFrom("campaigns").select("id").execute());
        assert.notEqual(read, "timeout", "a plain read of the node waited behind the upload");
      } finally {
        upload.release();
      }
      const report = await upload.done;
      assert.equal(report.inserted, 2, JSON.stringify(report));
      const pending = await store.db
        .selectFrom("contacts")
        .select("id")
        .where("campaign_id", "=", ids.campaignId)
        .where("status", "=", "pending")
        .execute();
      assert.equal(pending.length, 14, "12 called back and the 2 imported");
    });
  });
}
