import { type Kysely, type Selectable, sql } from "kysely";
import { inferZone } from "../../../lib/time-zone.ts";
import { withCapAfterEdit } from "../../../model/campaign-settings.ts";
import { addCampaignAgents, foreignAgent } from "../../../store/agents.ts";
import { findCampaign, isBeingCreated, untilWritten, updateCampaign } from "../../../store/campaigns.ts";
import { insertContacts, lockCampaignContacts, type NewContactSpec } from "../../../store/contacts-insert.ts";
import type { Campaign, Database } from "../../../store/schema.ts";
import type { NativeApiDeps } from "../../native/deps.ts";
import { idSchema } from "../../native/schemas/common.ts";
import { parseSettings } from "../../native/views.ts";
import { ApiError, conflict, invalidRequest, notFound } from "../../plugins/errors.ts";
import { dialAgain } from "../dial-again.ts";
import { findOrCreateList } from "../named-list.ts";
import { refusalInTerms } from "../refusal-terms.ts";
import { type ContactBody, type ParsedContact, parseContact, storedCustom } from "./contacts.ts";
import { dialActiveOf, withoutSwitchTime } from "./dial-switch.ts";
import { phonesInCampaign } from "./duplicate-phones.ts";
import { lockList } from "./list-lock.ts";
import {
  agentDialMethodOf,
  type DuplicateType,
  liveQueue,
  scheduledOrderOf,
  scheduledPriority,
} from "./queues.ts";
import { type XcallyContactsTable, xcallyTables } from "./store.ts";

/** Namespaces the external ids of the face's copies of Xcally contacts. */
export const COPY_ID_PREFIX = "xcally:";
/** A copied contact's external_id: "xcally:" and its Xcally contact id ("xcally:12"). */
export const copyExternalId = (c: { id: number }): string => `${COPY_ID_PREFIX}${c.id}`;

export type XcallyDeps = NativeApiDeps & { maxBytes?: number };
export const CSV_TYPES = [
  "application/x-www-form-urlencoded",
  "text/csv",
  "text/plain",
  "application/octet-stream",
];

export const anyObject = { type: "object", additionalProperties: true } as const;
export const idsBody = {
  type: "object",
  required: ["ids"],
  additionalProperties: false,
  properties: {
    id: { type: ["integer", "string"] },
    ids: { type: "array", minItems: 1, maxItems: 1000, items: idSchema },
    penalty: { type: ["integer", "string"], pattern: "^\\d{1,4}$", minimum: 0, maximum: 9999 },
  },
} as const;
export type IdsBody = { id?: number | string; ids: number[]; penalty?: number | string };

/** Motion sends the object's id in the body too: one naming another object than the path's is a 400, not
 *  the list or agents linked to the path's without a word. */
export function checkBodyId(body: object, pathId: number, what: "queue" | "list"): void {
  const id = (body as { id?: unknown }).id;
  if (id !== undefined && Number(id) !== pathId)
    throw invalidRequest(`id: ${id} is not the ${what} of the path (${pathId})`, "id");
}

export function xcallyService(deps: XcallyDeps) {
  const { store, clock, engine } = deps;
  const db = xcallyTables(store.db);
  async function findList(accountId: number, id: number) {
    const row = await db
      .selectFrom("xcally_lists")
      .selectAll()
      .where("account_id", "=", accountId)
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) throw notFound("list", id);
    return row;
  }

  async function findQueue(accountId: number, id: number): Promise<Campaign> {
    const row = await findCampaign(store.db, accountId, id);
    // One being created (see creatingReason) is not there until the request creating it has started it.
    if (!row || isBeingCreated(row) || parseSettings(row).vendor.xcally === undefined)
      throw notFound("queue", id);
    return row;
  }

  function queueView(row: Campaign) {
    const settings = parseSettings(row);
    const queue = settings.vendor.xcally as Record<string, unknown>;
    return {
      ...liveQueue(withoutSwitchTime(queue), settings),
      id: row.id,
      name: row.name,
      dialActive: dialActiveOf(queue, row),
      status: row.status,
      createdAt: new Date(row.created_at).toISOString(),
      updatedAt: new Date(row.updated_at).toISOString(),
    };
  }

  /** Copies Xcally contacts into a campaign (into an outdial list named after the Xcally one), skipping the
   *  duplicates the queue's dialCheckDuplicateType asks to skip, each placed by dialOrderByScheduledAt as
   *  the queue has them once locked; on `on`, a transaction of the caller's. Tells the engine nothing.
   *  Returns [added, skipped]; [0, 0] for a campaign deleted meanwhile. */
  async function copyInto(
    on: Kysely<Database>,
    into: Pick<Campaign, "id" | "account_id">,
    xcallyListId: number,
    contacts: Selectable<XcallyContactsTable>[],
  ): Promise<[number, number]> {
    if (!on.isTransaction) {
      return store.db.transaction().execute((trx) => copyInto(trx, into, xcallyListId, contacts));
    }
    // The campaign's row lock orders two copies at once: the second reads the phones the first added,
    // instead of both finding a phone missing and the person being called twice. On PostgreSQL an import
    // or /v1 add in flight holds the contacts locks to its commit: taken first, so neither order deadlocks.
    await lockCampaignContacts(on, into.id);
    const campaign = await lockCampaignRow(on, into);
    if (!campaign) return [0, 0];
    const queue = parseSettings(campaign).vendor.xcally as Record<string, unknown> & {
      dialCheckDuplicateType?: DuplicateType;
    };
    const priority = scheduledPriority(scheduledOrderOf(queue), clock.now());
    const mode = queue.dialCheckDuplicateType ?? "always";
    // Every number of a contact, not its first alone: a /v1 contact's second number is in the campaign.
    const seen =
      mode === "never"
        ? new Set<string>()
        : await phonesInCampaign(
            on,
            campaign.id,
            mode,
            contacts.map((c) => c.phone),
          );
    // An external_id of this namespace already in the campaign (a native import of an export of another
    // queue, say) would break the copy on the unique index: that contact counts as a duplicate.
    const taken = await takenExternalIds(on, campaign.id, contacts.map(copyExternalId));
    const specs: NewContactSpec[] = [];
    for (const c of contacts) {
      if (taken.has(copyExternalId(c))) continue;
      if (mode !== "never") {
        if (seen.has(c.phone)) continue;
        seen.add(c.phone);
      }
      specs.push({
        phones: [c.phone],
        // As every other way in: the zone the number decides, if any (per-day caps, callbacks read it).
        timeZone: inferZone(c.phone),
        // Namespaced: a client's own external ids ("1", "2"… from a CRM) share the campaign's unique index.
        externalId: copyExternalId(c),
        custom: { firstName: c.first_name, lastName: c.last_name, ...storedCustom(c.custom) },
        priority,
      });
    }
    if (specs.length > 0) {
      const now = clock.now();
      const target = { accountId: campaign.account_id, campaignId: campaign.id, now };
      const name = `Xcally list ${xcallyListId}`;
      const list = await findOrCreateList(store, { ...target, name }, on);
      await insertContacts(on, { ...target, listId: list.id }, specs);
    }
    return [specs.length, contacts.length - specs.length];
  }

  /** Links an Xcally list to a queue and copies its contacts in, in one transaction (a failed copy leaves
   *  no link behind, which a retry would take for done); then a completed queue given new contacts is
   *  recovered, so they get dialed. Null when the list was linked already (perhaps by a request beside
   *  this one): nothing to copy again. */
  async function linkList(campaign: Campaign, xcallyListId: number): Promise<[number, number] | null> {
    const copied = await store.db.transaction().execute(async (trx) => {
      const x = xcallyTables(trx);
      await lockList(x, campaign.account_id, xcallyListId);
      const link = await x
        .insertInto("xcally_queue_lists")
        .values({ campaign_id: campaign.id, list_id: xcallyListId, created_at: clock.now() })
        .onConflict((oc) => oc.columns(["campaign_id", "list_id"]).doNothing())
        .executeTakeFirst();
      if (Number(link.numInsertedOrUpdatedRows ?? 0) === 0) return null;
      const contacts = await x
        .selectFrom("xcally_contacts")
        .selectAll()
        .where("list_id", "=", xcallyListId)
        .orderBy("id")
        .execute();
      return copyInto(trx, campaign, xcallyListId, contacts);
    });
    if (copied !== null && copied[0] > 0)
      await inQueueTerms(dialAgain(deps, campaign.account_id, campaign.id));
    return copied;
  }

  async function addContacts(
    accountId: number,
    listId: number,
    bodies: ContactBody[],
    prefix: (i: number) => string,
  ) {
    const parsed = bodies.map((b, i) => parseContact(b, prefix(i)));
    return insertParsed(accountId, listId, parsed);
  }

  /** Writes contacts into an Xcally list and copies them into the campaigns the list is linked to, all in
   *  one transaction (a failure leaves nothing written); then the campaigns given contacts dial again. */
  async function insertParsed(accountId: number, listId: number, parsed: ParsedContact[]) {
    await findList(accountId, listId);
    if (parsed.length === 0) return [];
    const { rows, changed } = await store.db
      .transaction()
      .execute((trx) => writeContacts(trx, accountId, listId, parsed));
    await dialChanged(accountId, changed);
    return rows;
  }

  /** insertParsed's writes, in the caller's transaction `trx`, under the list's lock (list-lock.ts): the
   *  contacts, and their copies into the queues the list is linked to. Returns the rows written and the
   *  campaigns given contacts, for dialChanged once `trx` has committed. */
  async function writeContacts(
    trx: Kysely<Database>,
    accountId: number,
    listId: number,
    parsed: ParsedContact[],
  ): Promise<{ rows: Selectable<XcallyContactsTable>[]; changed: number[] }> {
    const x = xcallyTables(trx);
    await lockList(x, accountId, listId);
    const now = clock.now();
    const rows: Selectable<XcallyContactsTable>[] = [];
    for (let i = 0; i < parsed.length; i += 500) {
      const chunk = await x
        .insertInto("xcally_contacts")
        .values(
          parsed.slice(i, i + 500).map((p) => ({
            account_id: accountId,
            list_id: listId,
            first_name: p.firstName,
            last_name: p.lastName,
            phone: p.phone,
            custom: JSON.stringify(p.custom),
            created_at: now,
            updated_at: now,
          })),
        )
        .returningAll()
        .execute();
      rows.push(...chunk);
    }
    const links = await x
      .selectFrom("xcally_queue_lists")
      .select("campaign_id")
      .where("list_id", "=", listId)
      .orderBy("campaign_id") // one order of the per-campaign locks for every writer
      .execute();
    const changed: number[] = [];
    for (const l of links) {
      const into = { id: l.campaign_id, account_id: accountId };
      if ((await copyInto(trx, into, listId, rows))[0] > 0) changed.push(into.id);
    }
    return { rows, changed };
  }

  /** The campaigns writeContacts gave contacts dial them (a completed one is recovered). */
  async function dialChanged(accountId: number, changed: number[]): Promise<void> {
    for (const campaignId of changed) await inQueueTerms(dialAgain(deps, accountId, campaignId));
  }

  async function linkAgents(accountId: number, kind: "list" | "queue", targetId: number, body: IdsBody) {
    const penalty = Number(body.penalty ?? 0);
    const now = clock.now();
    if (kind === "queue") await joinQueue(accountId, targetId, body.ids, penalty, now);
    else {
      // A list's links are only kept, but they must still name agents of the account, as a queue's do.
      const foreign = await foreignAgent(
        store.db,
        accountId,
        body.ids.map((agentId) => ({ agentId, penalty })),
      );
      if (foreign) throw agentNotFound(foreign.id, "list");
    }
    await db.transaction().execute(async (trx) => {
      // A list's delete removes its links: under the list's lock, links written after it would outlive it.
      if (kind === "list") await lockList(trx, accountId, targetId);
      await trx
        .deleteFrom("xcally_agent_links")
        .where("kind", "=", kind)
        .where("target_id", "=", targetId)
        .where("agent_id", "in", body.ids)
        .execute();
      await trx
        .insertInto("xcally_agent_links")
        .values(
          [...new Set(body.ids)].map((agent_id) => ({
            account_id: accountId,
            kind,
            target_id: targetId,
            agent_id,
            penalty,
            created_at: now,
          })),
        )
        // Another request linking the same agent committed between our delete and this insert.
        .onConflict((oc) =>
          oc
            .columns(["kind", "target_id", "agent_id"])
            .doUpdateSet((eb) => ({ penalty: eb.ref("excluded.penalty") })),
        )
        .execute();
    });
  }

  /** Motion's users of a queue are outdial agents: they join the campaign's queue with the penalty, and
   *  the queue dials by its dialMethod from then on. */
  async function joinQueue(
    accountId: number,
    campaignId: number,
    ids: number[],
    penalty: number,
    now: number,
  ) {
    const members = [...new Set(ids)].map((agentId) => ({ agentId, penalty }));
    const refusal = await addCampaignAgents(store.db, accountId, campaignId, members, now);
    if (refusal?.missing === "agent") throw agentNotFound(refusal.id, "queue");
    if (refusal) throw notFound("queue", campaignId);
    await engine.agentsChanged(accountId);
    // Written only onto the settings read (basedOn): a queue edit landing in between is read again, not lost.
    await untilWritten(
      async () => {
        const row = await findQueue(accountId, campaignId);
        const before = parseSettings(row);
        if (before.dialMethod !== "robot") return true;
        // Agents change how the queue dials, nothing else: its power ratio, abandonment target and agent
        // selection stay as stored (set through /v1 since, or from the queue's fields), and its line cap
        // follows the switch as a /v1 edit's would, so a cap the caller set is not lifted to the default.
        const dialMethod = agentDialMethodOf(before.vendor.xcally as Record<string, unknown>);
        const settings = withCapAfterEdit(before, { dialMethod }, { ...before, dialMethod });
        if (!(await updateCampaign(store.db, accountId, campaignId, { settings, basedOn: row, now })))
          return null;
        await engine.campaignEdited(campaignId);
        return true;
      },
      () => conflict("edit_conflict", `queue ${campaignId} kept changing while agents joined; send it again`),
    );
  }

  return {
    db,
    findList,
    findQueue,
    queueView,
    linkList,
    addContacts,
    insertParsed,
    writeContacts,
    dialChanged,
    linkAgents,
  };
}

function agentNotFound(id: number, of: "list" | "queue"): ApiError {
  return new ApiError(
    "not_found",
    404,
    `agent ${id} not found: a ${of}'s users are outdial agents (POST /v1/agents)`,
  );
}

/**
 * An engine refusal (a queue's start, pause, resume or recover) in Motion's terms: the queue's id (the
 * campaign's own, the one in /api/voice/queues/{id}) and no advice naming outdial's settings (endAt,
 * lifetimeSec), which a queue has no field for. Statuses keep their names: the queue's `status` shows them.
 */
export function refusalInQueueTerms(err: unknown): unknown {
  const advice = "; dialActive cannot make it dial again until its end time (no queue field) is moved";
  return refusalInTerms(err, {
    name: (id) => `queue ${id}`,
    noun: ["queue", "queues"],
    ended: {
      cause: "(its end time, or its lifetime counted from its first start)",
      startAdvice: advice,
      recoverAdvice: advice,
    },
  });
}

/** `work`, its engine refusals said in Motion's terms. */
export async function inQueueTerms<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw refusalInQueueTerms(err);
  }
}

/**
 * The campaign's row, locked until the end of `trx` and read as it is then (undefined if it is gone). A
 * caller's own read may be older: a link reads its queue before it waits for the list's lock, and a PUT
 * that flipped the order or the duplicate check meanwhile would be missed (copies given the old priority
 * sign, or duplicates copied). A PUT that comes later waits for this lock, and its flip turns round what
 * was copied under it too.
 */
function lockCampaignRow(
  trx: Kysely<Database>,
  campaign: Pick<Campaign, "id" | "account_id">,
): Promise<Campaign | undefined> {
  return trx
    .updateTable("campaigns")
    .set({ id: sql.ref("id") })
    .where("account_id", "=", campaign.account_id)
    .where("id", "=", campaign.id)
    .returningAll()
    .executeTakeFirst();
}

/** Which of `ids` the campaign's contacts hold as external_id, read in chunks on the unique index. */
async function takenExternalIds(
  on: Kysely<Database>,
  campaignId: number,
  ids: string[],
): Promise<Set<string>> {
  const taken = new Set<string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await on
      .selectFrom("contacts")
      .select("external_id")
      .where("campaign_id", "=", campaignId)
      .where("external_id", "in", ids.slice(i, i + 500))
      .execute();
    for (const r of rows) if (r.external_id !== null) taken.add(r.external_id);
  }
  return taken;
}
