// `outdial pacing ID` and the API's `latest` decision (audit cliweb12). The pacing view logs only the
// decisions that placed a line or changed mode; one that asked for lines and placed none — held back by no
// contact due, calling hours, the concurrency cap, calls per second — is only in `latest`, and it is what a
// supervisor with idle agents runs the command to see. The CLI printed the log alone ("no decisions yet",
// or an old row from when the campaign last dialed) and took its estimates from the log's newest entry. It
// now prints the latest decision first, with what held it back, unless it is the log's newest entry, and
// takes the estimates from it.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { formatPacing, type PacingBody, type PacingDecisionBody } from "../../src/cli/pacing.ts";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture, pacingView } from "../api/helpers.ts";

/** The table's rows after the header line, each split into its cells. */
const tableRows = (printed: string) =>
  printed
    .trimEnd()
    .split("\n")
    .slice(printed.split("\n").findIndex((l) => /^ {2}time /.test(l)) + 1)
    .map((l) => l.trim().split(/ {2,}/));

describe("outdial pacing and the latest decision", () => {
  let f: ApiFixture;
  let base: string;
  const { post, advanceUntil } = agentShorthands(() => f);
  before(async () => {
    f = await apiFixture();
    base = await f.app.listen({ host: "127.0.0.1", port: 0 });
  });
  after(() => f.close());

  test("an agent ready and the due contacts put off by calling hours: the CLI shows what held the lines back", async () => {
    // The fixture's clock is 12:00 UTC; the callees' window is 03:00-04:00 in their zone (UTC), so the
    // contacts wait for it and none is due.
    const { campaignId, agentIds } = await agentCampaign(f, {
      name: "night shift",
      settings: { dialMethod: "progressive", calleeWindow: { from: "03:00", to: "04:00" } },
      contacts: [
        { phone: "+14155550101", timeZone: "UTC" },
        { phone: "+14155550102", timeZone: "UTC" },
      ],
      agents: ["Ann"],
    });
    assert.equal((await post(`/v1/agents/${agentIds[0]}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    const start = f.clock.now();
    await advanceUntil(() => f.clock.now() - start >= 60_000, 1000, 200);

    const v = await pacingView(f, campaignId);
    assert.ok(v.latest, "the API has a latest decision");
    assert.ok(v.latest.dials > 0 && v.latest.placed === 0, JSON.stringify(v.latest));
    assert.equal(v.latest.held_by, "no_contacts_due");
    assert.equal(v.decisions.length, 0, "none logged: none placed a line");

    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["bin/outdial.mjs", "pacing", String(campaignId), "--url", base, "--key", f.key],
      { env: { ...process.env, OUTDIAL_API_KEY: "" } },
    );
    assert.doesNotMatch(stdout, /no decisions yet/, stdout);
    const rows = tableRows(stdout);
    assert.equal(rows.length, 1, stdout);
    const [at, ready, , , asked, placed, , , , , heldBy] = rows[0];
    assert.deepEqual(
      { at, ready, asked, placed, heldBy },
      { at: v.latest.at, ready: "1", asked: String(v.latest.dials), placed: "0", heldBy: "no_contacts_due" },
      stdout,
    );
    await post(`/v1/campaigns/${campaignId}/stop`);
    await post(`/v1/agents/${agentIds[0]}/logout`);
  });
});

describe("formatPacing: the latest decision and the log", () => {
  const decision = (at: string, placed: number | null, heldBy: string | null, humanShare: number) =>
    ({
      at,
      agents: { ready: 2, reserved: 0, on_call: 3, wrap_up: 0, paused: 0 },
      lines: { ringing: 1, answered: 0, waiting: 0 },
      dials: 2,
      placed,
      held_by: heldBy,
      predictive: {
        mode: "model",
        threshold: 0.03,
        last_dial_drop_chance: 0.01,
        next_dial_drop_chance: 0.04,
        human_share: humanShare,
        mean_talk_sec: 90,
        mean_wrap_up_sec: 5,
        dial_results: 120,
        talks: 40,
        wrap_ups: 38,
        calibration: 1,
      },
    }) satisfies PacingDecisionBody;
  const view = (latest: PacingDecisionBody | null, decisions: PacingDecisionBody[]): PacingBody => ({
    campaign_id: 7,
    dial_method: "predictive",
    active: true,
    abandonment: null,
    latest,
    decisions,
  });
  const older = decision("2026-01-05T12:00:00.000Z", 2, null, 0.3);
  const logged = decision("2026-01-05T12:00:05.000Z", 2, null, 0.31);
  const heldBack = decision("2026-01-05T12:00:10.000Z", 0, "concurrency_saturated", 0.32);

  test("a latest decision that placed no line comes first, with what held it back, and gives the estimates", () => {
    const printed = formatPacing(view(heldBack, [logged, older]));
    assert.deepEqual(
      tableRows(printed).map((r) => [r[0], r[5], r[10] ?? ""]),
      [
        [heldBack.at, "0", "concurrency_saturated"],
        [logged.at, "2", ""],
        [older.at, "2", ""],
      ],
      printed,
    );
    assert.match(printed, /estimates: 32\.00% of dials reach a person/, printed);
  });

  test("a latest decision the log holds is shown once; --limit counts the latest among the rows", () => {
    // The API renders both from the same record: equal field for field, as separate objects.
    const once = formatPacing(view({ ...logged }, [logged, older]));
    assert.deepEqual(
      tableRows(once).map((r) => r[0]),
      [logged.at, older.at],
      once,
    );
    assert.match(once, /estimates: 31\.00% of dials reach a person/, once);
    const limited = formatPacing(view(heldBack, [logged, older]), 2);
    assert.deepEqual(
      tableRows(limited).map((r) => r[0]),
      [heldBack.at, logged.at],
      limited,
    );
  });

  test("a latest decision still waiting for the dispatcher shows placed as -; none at all says so", () => {
    const waiting = formatPacing(view(decision("2026-01-05T12:00:15.000Z", null, null, 0.3), []));
    assert.equal(tableRows(waiting)[0][5], "-", waiting);
    assert.match(formatPacing(view(null, [])), /^ {2}no decisions yet$/m);
  });
});
