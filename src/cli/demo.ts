// The demo campaign of `npm start`: a few hundred made-up contacts in three time zones on the "demo" sim
// scenario, started once. Later starts find it and leave it as it is. It runs on the sim driver only
// (serve.ts refuses --demo on any other): its numbers are fictional, never to be dialed for real.
import type { Engine } from "../engine/engine.ts";
import { addContacts } from "../lists/import.ts";
import { withDefaults } from "../model/campaign-settings.ts";
import { insertCampaign } from "../store/campaigns.ts";
import type { Store } from "../store/db.ts";
import { insertList } from "../store/lists.ts";

const DEMO_NAME = "Demo: spring appointment reminders";

/** Fictional numbers only (a demo started on a real trunk by mistake must reach nobody): Ofcom's drama
 *  range for London, 020 7946 0000–0999, and the North American 555-0100–0199 set aside for fiction in
 *  every area code (212 New York, 310 Los Angeles); each valid to libphonenumber. */
const DEMO_NUMBER_RANGES = [
  { prefix: "+442079460", first: 0, size: 1000, zone: "Europe/London" },
  { prefix: "+12125550", first: 100, size: 100, zone: "America/New_York" },
  { prefix: "+13105550", first: 100, size: 100, zone: "America/Los_Angeles" },
];

/** `n` numbers dealt round the ranges in turn, so the callee-local rules have three zones to work with;
 *  distinct while n is at most 300 (the 555 ranges hold 100 each). */
function demoPhones(n: number): { phone: string; zone: string }[] {
  const out: { phone: string; zone: string }[] = [];
  for (let i = 0; i < n; i++) {
    const range = DEMO_NUMBER_RANGES[i % DEMO_NUMBER_RANGES.length];
    const line = range.first + (Math.floor(i / DEMO_NUMBER_RANGES.length) % range.size);
    out.push({ phone: `${range.prefix}${String(line).padStart(3, "0")}`, zone: range.zone });
  }
  return out;
}

export async function ensureDemoCampaign(
  store: Store,
  engine: Engine,
  now: number,
): Promise<{ campaignId: number; name: string; status: string; contacts: number }> {
  const account = await store.db.selectFrom("accounts").select("id").orderBy("id").executeTakeFirstOrThrow();
  const existing = await store.db
    .selectFrom("campaigns")
    .select(["id", "status"])
    .where("account_id", "=", account.id)
    .where("name", "=", DEMO_NAME)
    .executeTakeFirst();
  const count = async (id: number) =>
    Number(
      (
        await store.db
          .selectFrom("contacts")
          .select(store.db.fn.countAll().as("n"))
          .where("campaign_id", "=", id)
          .executeTakeFirstOrThrow()
      ).n,
    );
  if (existing)
    return {
      campaignId: existing.id,
      name: DEMO_NAME,
      status: existing.status,
      contacts: await count(existing.id),
    };

  const settings = withDefaults({
    maxConcurrent: 10,
    callsPerSecond: 2,
    maxAttemptsPerContact: 3,
    retryIntervalSec: 60,
    retry: { busy: { intervalSec: 30, maxRetries: 2 }, no_answer: { intervalSec: 45, maxRetries: 2 } },
    successMinTalkSec: 5,
    // Fictional too, and outside the contacts' lines: 020 7946 0999 is no contact's, 646 555-0100 neither.
    callerIds: ["+442079460999", "+16465550100"],
    callerIdMode: "rotate",
    scenario: "demo",
  });
  const campaign = await insertCampaign(store.db, { accountId: account.id, name: DEMO_NAME, settings, now });
  const list = await insertList(store.db, {
    accountId: account.id,
    campaignId: campaign.id,
    name: "demo contacts",
    now,
  });
  const people = demoPhones(300);
  // The same path as the API's JSON bulk add, so the demo's contacts are checked like anyone's.
  await addContacts(
    store,
    { accountId: account.id, campaignId: campaign.id, listId: list.id, now, duplicatePolicy: "allow" },
    people.map((p, i) => ({
      phone: p.phone,
      external_id: `demo-${i + 1}`,
      time_zone: p.zone,
      custom: { name: `Demo person ${i + 1}`, appointment: "tomorrow 10:00" },
    })),
  );
  const status = await engine.start(account.id, campaign.id);
  return { campaignId: campaign.id, name: DEMO_NAME, status, contacts: people.length };
}
