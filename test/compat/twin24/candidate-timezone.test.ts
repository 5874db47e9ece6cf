// A candidate's timezone is sent as Twin24 writes it, seconds east of UTC (25200), or as a zone name. The
// results answered an offset as the text "UTC+07:00": the same field with another type, which a client
// reading a candidate back into the type it sends (an int) failed to parse. An offset that is not whole
// minutes (25230) was silently cut to +07:00. Offsets now read back as seconds, names as text, and an
// offset that is not whole minutes is the candidate's row error naming timezone.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { candidateTimezone } from "../../../src/api/compat/twin24/views.ts";
import { manualTask, type Twin24Fixture, twin24Fixture } from "./helpers.ts";

const TASKS = "/cis/api/v1/telephony/autoCall";

type Report = {
  added: number;
  flagged: number;
  errors: { row: number; field: string; code: string; message: string; value?: string }[];
};

let f: Twin24Fixture;
before(async () => {
  f = await twin24Fixture();
});
after(() => f.close());

async function timezones(uuid: string): Promise<unknown[]> {
  const res = await f.call({ method: "GET", url: `${TASKS}/${uuid}/candidates` });
  assert.equal(res.statusCode, 200, res.body);
  return (res.json() as { data: { timezone: unknown }[] }).data.map((c) => c.timezone);
}

describe("a candidate's timezone", () => {
  test("reads back as the seconds east of UTC it was sent as; a zone name as the name", async () => {
    const uuid = await f.createTask(manualTask());
    const report = (await f.addCandidates(uuid, [
      { phone: "+79161234567", timezone: 25200 },
      { phone: "+79161234568", timezone: -12600 },
      { phone: "+79161234569", timezone: 0 },
      { phone: "+79161234570", timezone: "Asia/Novosibirsk" },
      // An offset written as text is stored as the same zone as its seconds: it reads back as them.
      { phone: "+79161234571", timezone: "+05:00" },
      // None given: a Russian mobile number names no zone.
      { phone: "+79161234572" },
    ])) as Report;
    assert.deepEqual([report.added, report.errors], [6, []]);
    assert.deepEqual(await timezones(uuid), [25200, -12600, 0, "Asia/Novosibirsk", 18000, null]);
  });

  test("not a whole number of minutes is refused as the candidate's row error, not cut", async () => {
    const uuid = await f.createTask(
      manualTask({ phoneNormalization: "RU", normalizationErrorAction: "SET_NORMALIZATION_ERROR_FLAG" }),
    );
    const report = (await f.addCandidates(uuid, [
      { phone: "+79161234567", timezone: 25230 },
      // Its bad number is not said to be kept: the candidate is not stored.
      { phone: ["+79161234568", "12"], timezone: -30 },
      { phone: "+79161234569", timezone: 25260 },
    ])) as Report;
    assert.equal(report.added, 1);
    assert.deepEqual(
      report.errors.map((e) => [e.row, e.field, e.code, e.value]),
      [
        [1, "timezone", "invalid_time_zone", "25230"],
        [2, "timezone", "invalid_time_zone", "-30"],
      ],
    );
    assert.match(report.errors[0].message, /whole number of minutes/);
    assert.deepEqual(await timezones(uuid), [25260]);
  });

  test("view: fixed offsets as stored (UTC, UTC±hh:mm) are seconds; anything else stays text", () => {
    assert.equal(candidateTimezone("UTC+07:00"), 25200);
    assert.equal(candidateTimezone("UTC-03:30"), -12600);
    assert.equal(candidateTimezone("UTC"), 0);
    assert.equal(candidateTimezone("Europe/Moscow"), "Europe/Moscow");
    assert.equal(candidateTimezone("Etc/GMT+5"), "Etc/GMT+5");
    assert.equal(candidateTimezone(null), null);
  });
});
