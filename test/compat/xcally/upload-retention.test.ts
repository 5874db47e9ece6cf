// Xcally's two-step CSV upload keeps a file only until it is imported. One never imported was kept for
// ever (up to 200 MiB each, in the database): now an upload expires a day after it was made (refused as
// unknown from then on, and deleted by the next upload of any account), and an account may have at most
// MAX_WAITING_UPLOADS files waiting at once (429 too_many_uploads).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { MAX_WAITING_UPLOADS, UPLOAD_KEEP_MS } from "../../../src/api/compat/xcally/upload-import.ts";
import { type ApiFixture, apiFixture, errorOf } from "../../api/helpers.ts";
import { dialects } from "../../helpers/stores.ts";

for (const dialect of dialects())
  describe(`Xcally uploads waiting for their import [${dialect.name}]`, () => {
    let f: ApiFixture;
    let listId: number;
    before(async () => {
      f = await apiFixture(dialect.open);
      const list = await f.call({ method: "POST", url: "/api/cm/lists", payload: { name: "uploads" } });
      listId = list.json().id;
    });
    after(() => f.close());

    const upload = async (phone: string, key?: string) => {
      const res = await f.call({
        method: "POST",
        url: "/api/cm/contacts/upload",
        headers: { "content-type": "text/csv" },
        payload: `phone\n${phone}\n`,
        key,
      });
      return res;
    };
    const importInto = (file: string) =>
      f.call({
        method: "POST",
        url: `/api/cm/contacts/upload/${file}`,
        payload: { binding: { phone: "phone" }, ListId: listId },
      });
    const stored = async () =>
      Number(
        (
          await f.store.db
            .selectFrom("xcally_uploads" as never)
            .select((eb) => eb.fn.countAll<number>().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );

    test("an upload not imported within a day is refused as unknown, and deleted by the next one", async () => {
      const old = (await upload("+14155550601")).json().id as string;
      await f.clock.advance(UPLOAD_KEEP_MS - 1000);
      const fresh = (await upload("+14155550602")).json().id as string;
      assert.equal(await stored(), 2, "a day is not over: both kept");
      await f.clock.advance(1000);
      const late = await importInto(old);
      assert.equal(late.statusCode, 404, late.body);
      // The next upload (of any account) deletes it.
      const other = (await f.newAccount("other")).key;
      assert.equal((await upload("+14155550603", other)).statusCode, 201);
      assert.equal(await stored(), 2, "the expired upload is gone: the fresh one and the other account's");
      const ok = await importInto(fresh);
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().created, 1);
    });

    test(`an account has at most ${MAX_WAITING_UPLOADS} uploads waiting; an import makes room`, async () => {
      await f.clock.advance(UPLOAD_KEEP_MS);
      const ids: string[] = [];
      for (let i = 0; i < MAX_WAITING_UPLOADS; i++) {
        const res = await upload(`+1415555${String(1000 + i)}`);
        assert.equal(res.statusCode, 201, res.body);
        ids.push(res.json().id);
      }
      const refused = await upload("+14155559999");
      assert.equal(refused.statusCode, 429, refused.body);
      assert.equal(errorOf(refused).code, "too_many_uploads");
      assert.equal((await importInto(ids[0])).statusCode, 200);
      assert.equal((await upload("+14155559999")).statusCode, 201);
    });

    test("uploads sent at once still stop at the cap (PostgreSQL: counted under a per-account lock)", async () => {
      await f.clock.advance(UPLOAD_KEEP_MS);
      // One first, alone: it deletes the expired uploads, whose row locks would otherwise queue the rest.
      assert.equal((await upload("+14155551999")).statusCode, 201);
      const extra = 6;
      const answers = await Promise.all(
        Array.from({ length: MAX_WAITING_UPLOADS - 1 + extra }, (_, i) =>
          upload(`+1415555${String(2000 + i)}`),
        ),
      );
      const codes = answers.map((a) => a.statusCode);
      assert.equal(codes.filter((c) => c === 201).length, MAX_WAITING_UPLOADS - 1, codes.join(","));
      assert.equal(codes.filter((c) => c === 429).length, extra, codes.join(","));
      assert.equal(await stored(), MAX_WAITING_UPLOADS);
    });
  });
