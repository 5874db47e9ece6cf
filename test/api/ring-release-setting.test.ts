// releaseAfterRingSec through /v1: the FTC TSR and Ofcom minimum of 15 s of ringing is enforced at the
// API, on create and on edit; a campaign created without it releases nothing (null, the default).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiFixture, apiFixture } from "./helpers.ts";

describe("releaseAfterRingSec", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());

  const create = (settings: Record<string, unknown>) =>
    f.call({ method: "POST", url: "/v1/campaigns", payload: { name: "release", settings } });

  test("under 15 s is a 400 naming the field; 15, 40 and null are taken as given", async () => {
    for (const bad of [10, 14, 15.5, "15"]) {
      const res = await create({ dialMethod: "predictive", releaseAfterRingSec: bad });
      assert.equal(res.statusCode, 400, `${bad}: ${res.body}`);
      const error = (res.json() as { error: { field?: string } }).error;
      assert.match(error.field ?? "", /releaseAfterRingSec/);
    }
    for (const good of [15, 40, null]) {
      const res = await create({ dialMethod: "predictive", releaseAfterRingSec: good });
      assert.equal(res.statusCode, 201, res.body);
      const settings = (res.json() as { settings: { releaseAfterRingSec: number | null } }).settings;
      assert.equal(settings.releaseAfterRingSec, good);
    }
    const res = await create({ dialMethod: "predictive" });
    const created = res.json() as { id: number; settings: { releaseAfterRingSec: number | null } };
    assert.equal(created.settings.releaseAfterRingSec, null);
    const edit = (value: unknown) =>
      f.call({
        method: "PATCH",
        url: `/v1/campaigns/${created.id}`,
        payload: { settings: { releaseAfterRingSec: value } },
      });
    const bad = await edit(5);
    assert.equal(bad.statusCode, 400, bad.body);
    assert.match((bad.json() as { error: { field?: string } }).error.field ?? "", /releaseAfterRingSec/);
    const good = await edit(20);
    assert.equal(good.statusCode, 200, good.body);
    assert.equal(
      (good.json() as { settings: { releaseAfterRingSec: number } }).settings.releaseAfterRingSec,
      20,
    );
  });
});
