// Robot scenarios read, edited and written back: GET answers talkSec as {kind: "uniform", min, max}, and
// PUT takes that very shape (or {min, max}, or seconds, or null), so a read-modify-write keeps the range.
// A talkSec PUT cannot take is refused with an error that names what is wrong with it.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { dialects } from "../helpers/stores.ts";
import { type ApiFixture, apiFixture, errorOf } from "./helpers.ts";

for (const dialect of dialects()) {
  describe(`PUT /v1/scenarios takes back what GET answers [${dialect.name}]`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(dialect.open);
    });
    after(() => f.close());

    const put = (payload: object) => f.call({ method: "PUT", url: "/v1/scenarios", payload });
    const base = {
      key: "survey",
      name: "survey",
      say: "Hello {{name}}!",
      results: [{ name: "ok", weight: 1 }],
    };

    test("a scenario read with GET is written back with PUT, its talk time range kept", async () => {
      const created = await put({ ...base, talkSec: { min: 20, max: 40 } });
      assert.equal(created.statusCode, 200, created.body);
      const id = created.json().id as number;
      const {
        id: _id,
        created_at: _c,
        updated_at: _u,
        ...read
      } = (await f.call({ method: "GET", url: `/v1/scenarios/${id}` })).json();
      assert.deepEqual(read.talkSec, { kind: "uniform", min: 20, max: 40 });

      const back = await put({ ...read, say: "Hi {{name}}!" });
      assert.equal(back.statusCode, 200, back.body);
      assert.equal(back.json().id, id);
      const again = (await f.call({ method: "GET", url: `/v1/scenarios/${id}` })).json();
      assert.deepEqual([again.say, again.talkSec], ["Hi {{name}}!", { kind: "uniform", min: 20, max: 40 }]);

      // The other shapes come back as they went in, and go back in as they come.
      for (const talkSec of [30, null, { kind: "uniform", min: 5, max: 5 }]) {
        const res = await put({ ...base, talkSec });
        assert.equal(res.statusCode, 200, res.body);
        const {
          id: _i,
          created_at: _ca,
          updated_at: _ua,
          ...got
        } = (await f.call({ method: "GET", url: `/v1/scenarios/${id}` })).json();
        assert.deepEqual(got.talkSec, talkSec);
        assert.equal((await put(got)).statusCode, 200);
      }
    });

    test("a talkSec PUT cannot take is a 400 naming what is wrong, not 'must be null'", async () => {
      const cases: [unknown, string][] = [
        [{ kind: "lognormal", min: 1, max: 2 }, "body.talkSec.kind"],
        [{ kind: "uniform", min: 1 }, "body.talkSec.max"],
        [{ min: 1, max: 2, median: 3 }, "body.talkSec.median"],
        [{ min: -1, max: 2 }, "body.talkSec.min"],
        [{ min: 3, max: 2 }, "body.talkSec.max"],
        [-5, "body.talkSec"],
        ["30", "body.talkSec"],
      ];
      for (const [talkSec, field] of cases) {
        const res = await put({ ...base, talkSec });
        assert.equal(res.statusCode, 400, `${JSON.stringify(talkSec)} → ${res.body}`);
        const error = errorOf(res);
        assert.equal(error.field, field, `${JSON.stringify(talkSec)} → ${res.body}`);
        assert.doesNotMatch(error.message, /must be null/, `${JSON.stringify(talkSec)} → ${res.body}`);
      }
    });
  });
}
