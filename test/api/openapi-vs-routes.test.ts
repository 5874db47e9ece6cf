// The OpenAPI document (GET /v1/openapi.json) must describe what the routes do, so that a client generated
// from it, or a validating proxy, sends what the server takes. JAICP addPhones published its strict schema,
// which validates jobs only after absentAsAbsent has dropped their nulls and empty allowedDays/allowedTime:
// the document refused the nulls the README says Java and Kotlin clients send (the route still validates
// strictly after that step). A list reset runs on no body (its schema takes null), yet the document said a
// body was required. Twin24's operations listed 400–409 only, while the face also answers 413, 415, 429
// and 500: they now list 4XX and 5XX too, as the other faces do.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiFixture, apiFixture } from "./helpers.ts";

type Schema = { type?: string | string[]; minItems?: number; minProperties?: number } & Record<
  string,
  unknown
>;
interface Operation {
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, unknown>;
}
type Doc = { paths: Record<string, Record<string, Operation>> };

const takesNull = (s: Schema) => (Array.isArray(s.type) ? s.type.includes("null") : s.type === "null");

describe("OpenAPI document vs the routes", () => {
  let f: ApiFixture;
  let doc: Doc;
  let campaignId: number;
  before(async () => {
    f = await apiFixture();
    doc = (await f.call({ method: "GET", url: "/v1/openapi.json", key: null })).json() as Doc;
    campaignId = (await f.call({ method: "POST", url: "/v1/campaigns", payload: { name: "c" } })).json().id;
  });
  after(() => f.close());

  describe("JAICP addPhones", () => {
    let token: string;
    before(async () => {
      const res = await f.call({
        method: "POST",
        url: `/v1/campaigns/${campaignId}/tokens`,
        payload: { name: "j" },
      });
      token = res.json().token;
    });
    const addPhones = (jobs: object[]) =>
      f.call({ method: "POST", url: `/api/calls/campaign/${token}/addPhones`, key: null, payload: jobs });
    const jobSchema = () => {
      const body = doc.paths["/api/calls/campaign/{token}/addPhones"].post.requestBody;
      assert.ok(body, "addPhones documents its body");
      const array = body.content["application/json"].schema as {
        items: { properties: Record<string, Schema> };
      };
      return array.items.properties;
    };

    test("the document allows the nulls and empty lists of a job the route takes", async () => {
      const job = {
        // A Moscow landline: its zone comes from the number, so its hours need no gmtZone.
        phone: "74952223344",
        gmtZone: null,
        payload: null,
        startDateTime: null,
        finishDateTime: null,
        allowedDays: [],
        allowedTime: { default: [{ localTimeFrom: "09:00", localTimeTo: "18:00" }], sat: null },
        retryIntervalInMinutes: null,
        maxAttempts: null,
        dialerPriority: null,
      };
      const res = await addPhones([job]);
      assert.equal(res.statusCode, 200, res.body);
      const fields = jobSchema();
      const refusedByDoc = Object.entries(job)
        .filter(([name, value]) => {
          const s = fields[name];
          if (value === null) return !takesNull(s);
          if (Array.isArray(value)) return (s.minItems ?? 0) > value.length;
          return false;
        })
        .map(([name]) => name);
      assert.deepEqual(refusedByDoc, [], "fields the document refuses in a job the route took");
      const days = (fields.allowedTime as { properties: Record<string, Schema> }).properties;
      assert.ok(takesNull(days.sat), "a weekday of allowedTime written as null");
      assert.equal(fields.allowedTime.minProperties, undefined, "allowedTime: {} is no policy");
    });

    test("the route still validates strictly after the nulls are dropped, and the document says so", async () => {
      for (const [job, field] of [
        [{ phone: "79110000001", maxAttempts: 0 }, "[0].maxAttempts"],
        [{ phone: "79110000001", allowedTime: { mon: [] } }, "[0].allowedTime.mon"],
        [{ phone: null }, "[0].phone"],
      ] as const) {
        const res = await addPhones([job]);
        assert.equal(res.statusCode, 400, `${JSON.stringify(job)}: ${res.body}`);
        assert.equal(res.json().error.field, field);
      }
      const fields = jobSchema();
      assert.equal(takesNull(fields.phone), false, "the phone is never optional");
      assert.equal(fields.maxAttempts.minimum, 1);
      const mon = (fields.allowedTime as { properties: Record<string, Schema> }).properties.mon;
      assert.equal(mon.minItems, 1, "a weekday given must have a range");
    });
  });

  test("a body whose schema takes null is optional (a list's reset runs on its defaults), others required", async () => {
    const list = (
      await f.call({ method: "POST", url: `/v1/campaigns/${campaignId}/lists`, payload: { name: "l" } })
    ).json().id;
    const res = await f.call({ method: "POST", url: `/v1/campaigns/${campaignId}/lists/${list}/reset` });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(doc.paths["/v1/campaigns/{id}/lists/{listId}/reset"].post.requestBody?.required, false);
    assert.equal(doc.paths["/v1/campaigns"].post.requestBody?.required, true);
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        if (!op.requestBody) continue;
        const nullable = Object.values(op.requestBody.content).every((m) => takesNull(m.schema));
        assert.equal(op.requestBody.required, !nullable, `${method} ${path}`);
      }
    }
  });

  test("Twin24: the error statuses the face answers are among those its operations list", async () => {
    const url = "/cis/api/v1/telephony/autoCall";
    const wrongType = await f.call({
      method: "POST",
      url,
      payload: "<task/>",
      headers: { "content-type": "application/xml" },
    });
    const tooBig = await f.call({
      method: "POST",
      url,
      payload: JSON.stringify({ name: "x".repeat(2 * 1024 * 1024) }),
      headers: { "content-type": "application/json" },
    });
    assert.deepEqual([wrongType.statusCode, tooBig.statusCode], [415, 413]);
    for (const [path, operations] of Object.entries(doc.paths)) {
      if (!path.startsWith("/cis/")) continue;
      for (const [method, op] of Object.entries(operations)) {
        const listed = Object.keys(op.responses);
        assert.ok(
          listed.includes("4XX") && listed.includes("5XX"),
          `${method} ${path}: ${listed.join(", ")}`,
        );
      }
    }
  });
});
