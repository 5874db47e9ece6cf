// The abandonment tracker: live answers and abandons over a rolling 24 h, a rolling 30 days and the
// whole campaign, with AMD false positives counted as abandoned.
import assert from "node:assert/strict";
import { test } from "node:test";
import { AbandonTracker, RollingCounter } from "../../src/pacing/abandon-tracker.ts";
import { DropBudget } from "../../src/pacing/drop-budget.ts";

const HOUR = 3600_000;
const DAY = 24 * HOUR;

test("an AMD false positive is a live answer and an abandon; a connected answer only a live answer", () => {
  const t = new AbandonTracker();
  t.recordLiveAnswer(0, "connected");
  t.recordLiveAnswer(1, "amd_false_positive");
  t.recordLiveAnswer(2, "no_agent");
  t.recordLiveAnswer(3, "connected");
  assert.deepEqual(t.counts(3, "campaign"), {
    liveAnswers: 4,
    abandoned: 2,
    drops: 1,
    falsePositives: 1,
    machineVerdicts: 0,
    rate: 0.5,
    ownShare: 1,
  });
});

test("machine verdicts count their estimated share of people as live answers abandoned, in every window", () => {
  const t = new AbandonTracker({ falsePositiveShare: 0.05 });
  for (let i = 0; i < 97; i++) t.recordLiveAnswer(i * 1000, "connected");
  t.recordLiveAnswer(97_000, "no_agent");
  for (let i = 0; i < 40; i++) t.recordMachineVerdict(100_000 + i * 1000);
  // 40 machine verdicts × 5 % = 2 people AMD hung up on: (1 + 2) / (98 + 2).
  for (const window of ["campaign", "24h", "30d"] as const) {
    const c = t.counts(200_000, window);
    assert.equal(c.machineVerdicts, 40, window);
    assert.ok(Math.abs(c.falsePositives - 2) < 1e-9, window);
    assert.ok(Math.abs(c.liveAnswers - 100) < 1e-9, window);
    assert.ok(Math.abs(c.abandoned - 3) < 1e-9, window);
    assert.ok(Math.abs(c.rate - 0.03) < 1e-9, window);
  }
  assert.equal(t.isOverTarget(200_000, 0), false, "3 % is at the cap, not over it");
  t.recordMachineVerdict(201_000);
  assert.equal(t.isOverTarget(201_000, 0), true, "one more machine verdict takes the estimate over 3 %");
  // The estimate is the campaign's setting: a new figure applies to the whole record.
  t.falsePositiveShare = 0;
  assert.equal(t.counts(201_000, "campaign").rate, 1 / 98);
  // Machine verdicts leave the 24 h window like answers do.
  assert.equal(t.counts(DAY + 150_000, "24h").machineVerdicts, 1, "only the verdict at 201 s is within 24 h");
  assert.equal(t.counts(DAY + 150_000, "campaign").machineVerdicts, 41);
});

test("the 24 h window drops an answer exactly 24 h after it, the campaign keeps it", () => {
  const t = new AbandonTracker();
  t.recordLiveAnswer(0, "no_agent");
  t.recordLiveAnswer(12 * HOUR, "connected");
  assert.equal(t.counts(DAY - 1, "24h").liveAnswers, 2);
  assert.equal(t.counts(DAY - 1, "24h").abandoned, 1);
  assert.equal(t.counts(DAY, "24h").liveAnswers, 1, "the first answer left the window at 24 h");
  assert.equal(t.counts(DAY, "24h").abandoned, 0);
  assert.equal(t.counts(36 * HOUR, "24h").liveAnswers, 0);
  assert.equal(t.counts(36 * HOUR, "30d").liveAnswers, 2);
  assert.equal(t.counts(36 * HOUR, "campaign").liveAnswers, 2);
});

test("the 30-day window counts across its edge to the minute and forgets what is older", () => {
  const t = new AbandonTracker();
  t.recordLiveAnswer(0, "amd_false_positive");
  t.recordLiveAnswer(10 * DAY, "connected");
  t.recordLiveAnswer(29 * DAY, "no_agent");
  assert.equal(t.counts(30 * DAY - 60_000, "30d").liveAnswers, 3);
  assert.equal(t.counts(30 * DAY, "30d").liveAnswers, 2);
  assert.equal(t.counts(30 * DAY, "30d").falsePositives, 0);
  assert.equal(t.counts(40 * DAY, "30d").liveAnswers, 1);
  assert.equal(t.counts(40 * DAY, "24h").liveAnswers, 0);
  assert.deepEqual(t.counts(40 * DAY, "campaign"), {
    liveAnswers: 3,
    abandoned: 2,
    drops: 1,
    falsePositives: 1,
    machineVerdicts: 0,
    rate: 2 / 3,
    ownShare: 1,
  });
});

test("a rolling counter keeps running totals right over many evictions", () => {
  const c = new RollingCounter(10_000, 1000);
  let expected = 0;
  const times: number[] = [];
  for (let t = 0; t < 200_000; t += 250) {
    c.add(t, t % 1000 === 0 ? "no_agent" : "connected");
    times.push(t);
  }
  const now = 199_750;
  for (const t of times) if (Math.floor(t / 1000) > Math.floor((now - 10_000) / 1000)) expected++;
  const counts = c.tally(now);
  assert.equal(counts.live, expected);
  assert.equal(counts.drops, expected / 4);
});

test("the strictest window decides whether the campaign is over target, once it has enough answers", () => {
  const t = new AbandonTracker({ targetRate: 0.03 });
  // A bad hour two days ago: fine over the campaign, but not over its own 24 h... which has passed.
  for (let i = 0; i < 1000; i++) t.recordLiveAnswer(i * 1000, "connected");
  for (let i = 0; i < 20; i++) t.recordLiveAnswer(2 * DAY + i * 1000, i < 5 ? "no_agent" : "connected");
  const now = 2 * DAY + 30_000;
  assert.ok(t.counts(now, "campaign").rate < 0.03);
  assert.equal(t.counts(now, "24h").rate, 5 / 20);
  assert.equal(t.strictest(now).rate, 5 / 20);
  assert.equal(t.isOverTarget(now), true);
  assert.equal(
    t.isOverTarget(now, 50),
    true,
    "5 abandons are over 3% of twice 50 answers, however few came yet",
  );
  assert.equal(
    t.isOverTarget(now, 100),
    false,
    "but not over 3% of twice 100: one unlucky start can be worked off",
  );
  // One abandon (an AMD false positive, say) among a day's first 20 answers is not judged yet.
  const early = new AbandonTracker({ targetRate: 0.03 });
  for (let i = 0; i < 20; i++) early.recordLiveAnswer(i * 1000, i === 3 ? "no_agent" : "connected");
  assert.equal(early.isOverTarget(30_000), true);
  assert.equal(early.isOverTarget(30_000, 50), false, "1 of 20 answers is too few to judge");
});

test("a group's other campaigns add to every window, and setting none takes them away", () => {
  const t = new AbandonTracker({ targetRate: 0.03, falsePositiveShare: 0.05 });
  for (let i = 0; i < 50; i++) t.recordLiveAnswer(i * 1000, "connected");
  t.recordMachineVerdict(60_000);
  const others = (live: number, drops: number) => ({ live, drops, fps: 0.5, machines: 0 });
  t.setOthers({ "24h": others(10, 1), "30d": others(100, 4), campaign: others(200, 6) });
  // Own: 50 live, 1 machine verdict × 5 % = 0.05 estimated; others add theirs, 0.5 estimated among them.
  const day = t.counts(61_000, "24h");
  assert.ok(Math.abs(day.liveAnswers - 60.05) < 1e-9, String(day.liveAnswers));
  assert.ok(Math.abs(day.abandoned - (1 + 0.5 + 0.05)) < 1e-9, String(day.abandoned));
  assert.equal(day.drops, 1);
  assert.equal(day.machineVerdicts, 1);
  assert.ok(Math.abs(t.counts(61_000, "campaign").liveAnswers - 250.05) < 1e-9);
  // 24 h: 1.55 / 60.05 = 2.6 %; 30 days: 4.55 / 150.05 = 3.03 %; the campaign: 6.55 / 250.05 = 2.6 %.
  assert.equal(t.strictest(61_000).window, "30d");
  assert.equal(t.isOverTarget(61_000, 0), true);
  // Its own share of the pooled answers: 50.05 of 60.05 in 24 h.
  assert.ok(Math.abs(day.ownShare - 50.05 / 60.05) < 1e-9, String(day.ownShare));
  t.setOthers(null);
  assert.equal(t.counts(61_000, "24h").ownShare, 1);
  assert.ok(Math.abs(t.counts(61_000, "24h").liveAnswers - 50.05) < 1e-9);
  assert.equal(t.isOverTarget(61_000, 0), false);
});

test("members of a group each work off their share of the pooled surplus, not all of it", () => {
  const budget = () => new DropBudget({ targetRate: 0.03 });
  // 2,000 pooled live answers and 20 abandons: well under the aim, a surplus to spend.
  const pooled = (ownShare: number) => ({
    liveAnswers: 2000,
    abandoned: 20,
    drops: 10,
    falsePositives: 10,
    machineVerdicts: 0,
    rate: 0.01,
    ownShare,
  });
  const alone = budget().threshold(pooled(1));
  const quarter = budget().threshold(pooled(0.25));
  const none = budget().threshold({ ...pooled(1), abandoned: 2000 * (0.03 - 0.0012) - 2 });
  // The base share (no surplus) is the same; the surplus part of a quarter member is a quarter.
  assert.ok(alone > quarter && quarter > none, `${alone} > ${quarter} > ${none}`);
  assert.ok(
    Math.abs((quarter - none) / (alone - none) - 0.25) < 1e-9,
    `${(quarter - none) / (alone - none)}`,
  );
  // A stricter cap handed in (an abandonment group's) lowers the threshold.
  assert.ok(budget().threshold(pooled(1), 0.02) < alone);
});
