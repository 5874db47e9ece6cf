// Set-up of the JAICP face's tests: a campaign and the campaign token JAICP is given for it, and the face's
// two calls made with a token (in the path, no API key).
import assert from "node:assert/strict";
import { after, before } from "node:test";
import { type ApiFixture, apiFixture } from "../../api/helpers.ts";

/** Any fixture that injects requests into the app (apiFixture, voxFixture). */
type Caller = Pick<ApiFixture, "call">;

/** A new campaign of the fixture's owner (`name`, with `settings` if given) and a campaign token for it. */
export async function campaignToken(
  f: Caller,
  opts: { name?: string; settings?: object; tokenName?: string } = {},
): Promise<{ campaignId: number; token: string }> {
  const { name = "bot", settings, tokenName = "j" } = opts;
  const payload = settings === undefined ? { name } : { name, settings };
  const campaignId = (await f.call({ method: "POST", url: "/v1/campaigns", payload })).json().id;
  const created = await f.call({
    method: "POST",
    url: `/v1/campaigns/${campaignId}/tokens`,
    payload: { name: tokenName },
  });
  assert.equal(created.statusCode, 201, created.body);
  return { campaignId, token: created.json().token };
}

/** GET addPhone with `query`. */
export const addPhone = (f: Caller, token: string, query: string) =>
  f.call({ method: "GET", url: `/api/calls/campaign/${token}/addPhone?${query}`, key: null });

/** POST addPhones with `body` as JSON. */
export const addPhones = (f: Caller, token: string, body: unknown) =>
  f.call({
    method: "POST",
    url: `/api/calls/campaign/${token}/addPhones`,
    key: null,
    payload: body as object,
  });

/** POST addPhones with `text` as the body, as it is (a JSON number beyond 2^53 reaches the server as written). */
export const addPhonesText = (f: Caller, token: string, text: string) =>
  f.call({
    method: "POST",
    url: `/api/calls/campaign/${token}/addPhones`,
    key: null,
    payload: text,
    headers: { "content-type": "application/json" },
  });

type Answer = ReturnType<ApiFixture["call"]>;

export interface JaicpFace {
  f: ApiFixture;
  campaignId: number;
  token: string;
  addPhone(query: string, token?: string): Answer;
  addPhones(body: unknown, token?: string): Answer;
  addPhonesText(text: string): Answer;
  /** How many contacts the store holds, of any campaign. */
  contactCount(): Promise<number>;
}

/** A test file's (or suite's) JAICP face: an apiFixture with a campaign and its token (`campaignToken`'s
 *  `opts`), made before the tests and closed after them; the calls use that token unless given another. */
export function jaicpFace(opts: Parameters<typeof campaignToken>[1] = {}): JaicpFace {
  const face: JaicpFace = {
    f: undefined as unknown as ApiFixture,
    campaignId: 0,
    token: "",
    addPhone: (query, token = face.token) => addPhone(face.f, token, query),
    addPhones: (body, token = face.token) => addPhones(face.f, token, body),
    addPhonesText: (text) => addPhonesText(face.f, face.token, text),
    contactCount: async () =>
      Number(
        (
          await face.f.store.db
            .selectFrom("contacts")
            .select((eb) => eb.fn.countAll<number>().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      ),
  };
  before(async () => {
    face.f = await apiFixture();
    ({ campaignId: face.campaignId, token: face.token } = await campaignToken(face.f, opts));
  });
  after(() => face.f.close());
  return face;
}
