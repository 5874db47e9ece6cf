// The Xcally face's two-step CSV upload imports a file held whole: stored as one text, parsed whole, every
// row kept as a contact or a row error. Up to OUTDIAL_MAX_IMPORT_BYTES (200 MiB) were taken, and a 21 MB,
// 1,000,000-row file raised the process's memory by 902 MB at its import: a file near the limit would end
// the node and every account's calls on it. Now the face takes at most MAX_UPLOAD_BYTES (16 MiB) and
// MAX_UPLOAD_ROWS rows (a row's cost does not shrink with its length), refusing more with a 413 that names
// the limits and the native import, nothing stored; a stored file over them (an older node's) is refused at
// its import, and kept.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { MAX_UPLOAD_BYTES, MAX_UPLOAD_ROWS } from "../../../src/api/compat/xcally/upload.ts";
import { storeUpload } from "../../../src/api/compat/xcally/upload-import.ts";
import { type ApiFixture, apiFixture, errorOf } from "../../api/helpers.ts";
import { dialects } from "../../helpers/stores.ts";

const HEADER = "name,phone";

/** A CSV file of exactly `bytes` bytes: `HEADER` and rows of about 100 bytes, far fewer than the rows' limit. */
function fileOfBytes(bytes: number): Buffer {
  const row = (i: number) => `${"n".repeat(80)}${i},+1212555${String(i % 10_000).padStart(4, "0")}\n`;
  const parts = [`${HEADER}\n`];
  let size = parts[0].length;
  for (let i = 0; size + row(i).length <= bytes; i++) {
    parts.push(row(i));
    size += row(i).length;
  }
  // The bytes left over as one more line (not imported: the upload's size alone is under test).
  const rest = bytes - size;
  if (rest > 0) parts.push(`${"m".repeat(rest - 1)}\n`);
  const file = Buffer.from(parts.join(""));
  assert.equal(file.length, bytes);
  return file;
}

/** `HEADER` and `rows` rows, ended with CRLF (one line end each, as the parser reads them). */
function fileOfRows(rows: number): string {
  const lines = [HEADER];
  for (let i = 0; i < rows; i++) lines.push(`n${i},+1212555${String(i % 10_000).padStart(4, "0")}`);
  return `${lines.join("\r\n")}\r\n`;
}

for (const dialect of dialects())
  describe(`Xcally upload size limits [${dialect.name}]`, () => {
    let f: ApiFixture;
    let listId: number;
    before(async () => {
      f = await apiFixture(dialect.open);
      const list = await f.call({ method: "POST", url: "/api/cm/lists", payload: { name: "limits" } });
      listId = list.json().id;
    });
    after(() => f.close());

    const upload = (payload: string | Buffer) =>
      f.call({
        method: "POST",
        url: "/api/cm/contacts/upload",
        headers: { "content-type": "text/csv" },
        payload,
      });
    const importInto = (file: string) =>
      f.call({
        method: "POST",
        url: `/api/cm/contacts/upload/${file}`,
        payload: { binding: { firstName: "name", phone: "phone" }, ListId: listId },
      });
    const storedUploads = async () =>
      Number(
        (
          await f.store.db
            .selectFrom("xcally_uploads" as never)
            .select((eb) => eb.fn.countAll<number>().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );
    /** The uploads are consumed as the test goes: at most MAX_WAITING_UPLOADS may wait. */
    const dropUploads = () => f.store.db.deleteFrom("xcally_uploads" as never).execute();

    function assertRefusedNamingLimits(res: { statusCode: number; body: string }, what: RegExp): void {
      assert.equal(res.statusCode, 413, res.body.slice(0, 300));
      const err = errorOf(res as never);
      assert.equal(err.code, "payload_too_large");
      assert.match(err.message, what);
      assert.match(err.message, new RegExp(`${MAX_UPLOAD_BYTES} bytes`), "names the bytes' limit");
      assert.match(err.message, new RegExp(`${MAX_UPLOAD_ROWS} rows`), "names the rows' limit");
      assert.match(
        err.message,
        /POST \/v1\/campaigns\/\{queueId\}\/lists\/\{listId\}\/import/,
        "points to /v1",
      );
    }

    test(`a file of ${MAX_UPLOAD_BYTES} bytes is taken; one byte more is a 413, nothing stored`, async () => {
      await dropUploads();
      const atLimit = await upload(fileOfBytes(MAX_UPLOAD_BYTES));
      assert.equal(atLimit.statusCode, 201, atLimit.body.slice(0, 300));
      assert.equal(atLimit.json().size, MAX_UPLOAD_BYTES);
      assert.equal(await storedUploads(), 1);
      const over = await upload(fileOfBytes(MAX_UPLOAD_BYTES + 1));
      assertRefusedNamingLimits(over, new RegExp(`has ${MAX_UPLOAD_BYTES + 1} bytes`));
      assert.equal(await storedUploads(), 1, "the file over the limit is not stored");
    });

    test("a body declared over the limit is refused before it is read", async () => {
      await dropUploads();
      // Only the declared length is over: the answer comes before the server waits for (or holds) the rest.
      const res = await f.call({
        method: "POST",
        url: "/api/cm/contacts/upload",
        headers: { "content-type": "text/csv", "content-length": String(MAX_UPLOAD_BYTES + 1) },
        payload: `${HEADER}\n`,
      });
      assertRefusedNamingLimits(res, new RegExp(`has ${MAX_UPLOAD_BYTES + 1} bytes`));
      assert.equal(await storedUploads(), 0);
    });

    test(`a file of ${MAX_UPLOAD_ROWS} rows is taken and imported; one row more is a 413`, async () => {
      await dropUploads();
      const atLimit = await upload(fileOfRows(MAX_UPLOAD_ROWS));
      assert.equal(atLimit.statusCode, 201, atLimit.body.slice(0, 300));
      const imported = await importInto(atLimit.json().id);
      assert.equal(imported.statusCode, 200, imported.body.slice(0, 300));
      assert.equal(imported.json().created, MAX_UPLOAD_ROWS);
      assert.deepEqual(imported.json().errors, []);

      const over = await upload(fileOfRows(MAX_UPLOAD_ROWS + 1));
      assertRefusedNamingLimits(over, new RegExp(`more than ${MAX_UPLOAD_ROWS + 1} lines`));
      // Rows as short as can be, with lone CRs for line ends: far under the bytes' limit, still refused.
      const tiny = await upload(`phone\r${"x\r".repeat(MAX_UPLOAD_ROWS + 1)}`);
      assertRefusedNamingLimits(tiny, /lines/);
      assert.equal(await storedUploads(), 0, "neither file over the limit is stored");
    });

    test("a file over the limits stored before they held is refused at its import, and kept", async () => {
      await dropUploads();
      const name = "from-an-older-node.csv";
      await storeUpload(f.store.db, f.accountId, name, fileOfRows(MAX_UPLOAD_ROWS + 1), f.clock.now());
      const res = await importInto(name);
      assertRefusedNamingLimits(res, /lines/);
      assert.equal(await storedUploads(), 1, "the upload is left, as a refused import leaves it");
    });
  });

describe("Xcally upload under a smaller OUTDIAL_MAX_IMPORT_BYTES", () => {
  test("the configured limit holds when it is the smaller one", async () => {
    const f = await apiFixture(undefined, { OUTDIAL_MAX_IMPORT_BYTES: "1MiB" });
    try {
      const res = await f.call({
        method: "POST",
        url: "/api/cm/contacts/upload",
        headers: { "content-type": "text/csv" },
        payload: fileOfBytes(1024 * 1024 + 1),
      });
      assert.equal(res.statusCode, 413, res.body.slice(0, 300));
      assert.match(errorOf(res).message, /limit of 1048576 bytes/);
    } finally {
      await f.close();
    }
  });
});
