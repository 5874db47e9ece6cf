// The demo campaign of `npm start`: a few hundred made-up contacts in three countries on the "demo" sim
// scenario, started once. Later starts find it and leave it as it is.
import type { Engine } from "../engine/engine.ts";
import { addContacts } from "../lists/import.ts";
import { withDefaults } from "../model/campaign-settings.ts";
import { insertCampaign } from "../store/campaigns.ts";
import type { Store } from "../store/db.ts";
import { insertList } from "../store/lists.ts";

const DEMO_NAME = "Demo: spring appointment reminders";

function demoPhones(n: number): { phone: string; zone: string }[] {
  // Numbers from ranges set aside for fiction (UK 020 7946 0xxx, US 555-01xx) and a Moscow block,
  // all valid to libphonenumber, in three zones so the callee-local rules have something to do.
  const out: { phone: string; zone: string }[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 3 === 0)
      out.push({ phone: `+442079460${String(i % 1000).padStart(3, "0")}`, zone: "Europe/London" });
    else if (i % 3 === 1) out.push({ phone: `+12125550${100 + (i % 100)}`, zone: "America/New_York" });
    else out.push({ phone: `+7495123${String(i).padStart(4, "0")}`, zone: "Europe/Moscow" });
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
    callerIds: ["+442079460000", "+12122000000"],
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
