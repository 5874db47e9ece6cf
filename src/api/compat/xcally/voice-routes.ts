// Xcally voice routes (/api/voice/queues…): outbound queues as outdial campaigns (created, read, changed;
// dialActive starts, pauses, resumes or recovers them through the engine), lists linked to queues (their
// contacts copied in by service.ts) and agents linked with a penalty (the campaign's queue of agents). No scheduling here.
import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import { EngineError } from "../../../engine/types.ts";
import { type CampaignSettings, withDefaults } from "../../../model/campaign-settings.ts";
import {
  deleteCampaignUnlessStatus,
  dropAbandonedCreations,
  insertCampaign,
  NOT_DRAFT,
  untilWritten,
  updateCampaign,
} from "../../../store/campaigns.ts";
import type { Campaign } from "../../../store/schema.ts";
import { errorResponses, idParams } from "../../native/schemas/common.ts";
import { parseSettings } from "../../native/views.ts";
import { conflict } from "../../plugins/errors.ts";
import { ACTIVE, type DialCommand, dialCommand, queueWithSwitch, settlingCommand } from "./dial-switch.ts";
import { assertSettings } from "./queue-settings-check.ts";
import {
  checkDialTimezone,
  editedSettings,
  type QueueBody,
  queueBodySchema,
  scheduledOrderOf,
  settingsForQueue,
} from "./queues.ts";
import {
  anyObject,
  COPY_ID_PREFIX,
  checkBodyId,
  type IdsBody,
  idsBody,
  inQueueTerms,
  refusalInQueueTerms,
  type XcallyDeps,
  xcallyService,
} from "./service.ts";

/** Rounds of settleDialActive before a 409: each needs another PUT of dialActive to land meanwhile. */
const MAX_SETTLING_ROUNDS = 5;

export async function voiceRoutes(app: FastifyInstance, deps: XcallyDeps): Promise<void> {
  const { store, clock, engine } = deps;
  const { findList, findQueue, queueView, linkList, linkAgents } = xcallyService(deps);

  // ---- voice: outbound queues ----

  app.post<{ Body: QueueBody }>(
    "/api/voice/queues",
    {
      config: { permission: "campaigns:write" },
      schema: {
        tags: ["xcally"],
        summary:
          "Xcally: create an outbound queue campaign (an outdial campaign, started unless dialActive is false)",
        body: { ...queueBodySchema, required: ["name", "type"] },
        response: { 201: anyObject, ...errorResponses },
      },
    },
    async (req, reply) => {
      const now = clock.now();
      checkDialTimezone(req.body);
      const body = queueWithSwitch({}, req.body, now);
      const { queue, settings } = settingsForQueue(body, withDefaults(undefined));
      assertSettings(settings, now);
      const accountId = req.account.id;
      const starts = queue.dialActive !== false;
      // One this request starts is written as being created: a kill before the start leaves no queue the
      // client could see besides the one its retry makes (the next creation drops it later).
      if (starts) await dropAbandonedCreations(store, accountId, "xcally", now);
      const row = await insertCampaign(store.db, {
        accountId,
        name: req.body.name as string,
        settings,
        now,
        ...(starts ? { creatingBy: "xcally" as const } : {}),
      });
      // An inactive queue is not started (dialActive: true later starts it). A start the engine refuses
      // (under 1 USD) fails the whole request: the queue it would have been is deleted, not left behind.
      if (starts) {
        try {
          await engine.start(accountId, row.id, { finishingCreation: true });
        } catch (err) {
          await deleteCampaignUnlessStatus(store, accountId, row.id, NOT_DRAFT, now);
          throw refusalInQueueTerms(err);
        }
      }
      return reply.status(201).send(queueView(await findQueue(accountId, row.id)));
    },
  );

  app.get<{ Params: { id: number } }>(
    "/api/voice/queues/:id",
    {
      config: { permission: "campaigns:read" },
      schema: {
        tags: ["xcally"],
        summary: "Xcally: read a queue campaign",
        params: idParams("id"),
        response: { 200: anyObject, ...errorResponses },
      },
    },
    async (req) => queueView(await findQueue(req.account.id, req.params.id)),
  );

  /** The body merged onto `current` and written, if its settings are still the ones read; false if not. */
  async function applyQueueEdit(current: Campaign, body: QueueBody): Promise<boolean> {
    const accountId = current.account_id;
    const before = parseSettings(current);
    const merged = queueWithSwitch(before.vendor.xcally as QueueBody, body, clock.now());
    const { queue, settings: mapped } = settingsForQueue(merged, before);
    const settings = editedSettings(Object.keys(body), mapped, before);
    assertSettings(settings, clock.now(), before);
    const order = scheduledOrderOf(queue);
    // dialActive: true starts, resumes or recovers it, which the engine refuses under 1 USD or past the
    // end time the edited settings give: the whole edit is refused before anything is written.
    if (body.dialActive === true) await inQueueTerms(requireActivation(current, settings));
    return store.db.transaction().execute(async (trx) => {
      const updated = await updateCampaign(trx, accountId, current.id, {
        name: body.name,
        settings,
        basedOn: current,
        now: clock.now(),
      });
      if (!updated) return false;
      // Priorities hold the scheduled order (queues.ts): the other direction is the same numbers negated.
      // The face's own copies only: a contact added through /v1 keeps the priority it was given.
      if (order !== scheduledOrderOf(before.vendor.xcally as Record<string, unknown>)) {
        await trx
          .updateTable("contacts")
          .set((eb) => ({ priority: eb.neg(eb.ref("priority")), updated_at: clock.now() }))
          .where("campaign_id", "=", current.id)
          // Not LIKE: SQLite's ignores ASCII case, and would take a /v1 id "XCALLY:…" for a copy.
          .where(sql`substr(external_id, 1, ${COPY_ID_PREFIX.length})`, "=", COPY_ID_PREFIX)
          .execute();
      }
      return true;
    });
  }

  /** Throws what the start, resume or recover that dialActive: true makes of `current` would, were it
   *  given `settings`: each checks the balance and the end time, as the engine's command does. */
  async function requireActivation(current: Campaign, settings: CampaignSettings): Promise<void> {
    // A start and a resume count the end time alike (from the first start, or from now).
    if (["paused", "draft", "stopped"].includes(current.status))
      await engine.requireStartable(current, settings);
    else if (current.status === "completed" || current.status === "halted") {
      await engine.requireStartBalance(current.account_id, current.id);
      const ended = engine.endedError({ ...current, settings: JSON.stringify(settings) });
      if (ended) throw ended;
    }
  }

  /** Sends one dialActive command to the engine, which decides what the queue then does. */
  async function sendDialCommand(accountId: number, id: number, command: DialCommand): Promise<void> {
    if (command === "pause") await engine.pause(accountId, id);
    else if (command === "resume") await engine.resume(accountId, id);
    else if (command === "start") await engine.start(accountId, id);
    else await engine.recover(accountId, id);
  }

  /** dialActive after the edit (`current`: the queue as the edit was written onto it): the queue paused, or
   *  started, resumed or recovered; then settled to the switch the last PUT committed. A command refused
   *  because a request beside this one has just done the same is no refusal: the queue is as asked. */
  async function applyDialActive(current: Campaign, dialActive: boolean): Promise<void> {
    const { account_id: accountId, id } = current;
    const command = dialCommand(current.status, dialActive);
    // No command, nothing of this request can land after a later PUT's read: that PUT decides.
    if (command === null) return;
    try {
      await sendDialCommand(accountId, id, command);
    } catch (err) {
      const now =
        err instanceof EngineError && err.code === "invalid_state" ? await findQueue(accountId, id) : null;
      if (now === null || ACTIVE.includes(now.status) !== dialActive) throw refusalInQueueTerms(err);
      if (!dialActive && now.status === "completed") await stampSwitchOffAgain(accountId, id);
    }
    await settleDialActive(accountId, id);
  }

  /** Brings the queue to its stored switch after this request's command (settlingCommand says why), until a
   *  read finds them agreeing. Each further round means yet another PUT switched it meanwhile; past
   *  MAX_SETTLING_ROUNDS the client is told to send it again (a 409, as an edit that keeps losing is). */
  async function settleDialActive(accountId: number, id: number): Promise<void> {
    for (let round = 0; ; round++) {
      const read = await findQueue(accountId, id);
      const command = settlingCommand(parseSettings(read).vendor.xcally as QueueBody, read);
      if (command === null) return;
      if (round === MAX_SETTLING_ROUNDS)
        throw conflict("edit_conflict", `queue ${id} kept being switched on and off; send it again`);
      try {
        await sendDialCommand(accountId, id, command);
      } catch (err) {
        if (!(err instanceof EngineError)) throw err;
        // Any other refusal (the balance, under 1 USD) is the engine's to make: the queue stays as it is,
        // and reads so. This request asked for the other state, so the refusal is not its answer.
        if (err.code !== "invalid_state") return;
        // Moved meanwhile: read again. A pause refused because it ran dry is stamped off, as above.
        if (command === "pause") await stampSwitchOffAgain(accountId, id);
      }
    }
  }

  /** A pause refused because the queue ran dry after the edit stamped its switch off: the finish came after
   *  that time, so the queue would read as started since (dial-switch.ts). Stamped again, after the finish:
   *  it stays off. Not if a request beside this one has switched it on, or anything started it, meanwhile.
   *  Only the face's own field of a completed campaign changes: the engine is not told. */
  async function stampSwitchOffAgain(accountId: number, id: number): Promise<void> {
    await untilWritten(
      async () => {
        const read = await findQueue(accountId, id);
        const before = parseSettings(read);
        const queue = before.vendor.xcally as QueueBody;
        if (queue.dialActive !== false || read.status !== "completed") return true;
        const now = clock.now();
        const xcally = queueWithSwitch(queue, { dialActive: false }, now);
        const settings = { ...before, vendor: { ...before.vendor, xcally } };
        return (await updateCampaign(store.db, accountId, id, { settings, basedOn: read, now }))
          ? true
          : null;
      },
      () => conflict("edit_conflict", `queue ${id} kept changing while it was switched off; send it again`),
    );
  }

  app.put<{ Params: { id: number }; Body: QueueBody }>(
    "/api/voice/queues/:id",
    {
      config: { permission: "campaigns:write" },
      schema: {
        tags: ["xcally"],
        summary: "Xcally: change a queue campaign; dialActive false pauses it, true resumes it",
        params: idParams("id"),
        body: queueBodySchema,
        response: { 200: anyObject, ...errorResponses },
      },
    },
    async (req) => {
      const accountId = req.account.id;
      checkBodyId(req.body, req.params.id, "queue");
      checkDialTimezone(req.body);
      // The merge is made from a read; if another edit lands in between, read again and merge onto it
      // (a scheduled-order flip made twice from one read would negate the priorities back).
      const current = await untilWritten(
        async () => {
          const read = await findQueue(accountId, req.params.id);
          return (await applyQueueEdit(read, req.body)) ? read : null;
        },
        () =>
          conflict("edit_conflict", `queue ${req.params.id} kept changing during the edit; send it again`),
      );
      await engine.campaignEdited(current.id);
      if (req.body.dialActive !== undefined) await applyDialActive(current, req.body.dialActive);
      return queueView(await findQueue(accountId, current.id));
    },
  );

  app.post<{ Params: { id: number }; Body: IdsBody }>(
    "/api/voice/queues/:id/lists",
    {
      config: { permission: "campaigns:write" },
      schema: {
        tags: ["xcally"],
        summary:
          "Xcally: link lists to a queue campaign, copying their contacts into it (dialCheckDuplicateType)",
        params: idParams("id"),
        body: idsBody,
        response: { 200: anyObject, ...errorResponses },
      },
    },
    async (req) => {
      const accountId = req.account.id;
      checkBodyId(req.body, req.params.id, "queue");
      const campaign = await findQueue(accountId, req.params.id);
      const ids = [...new Set(req.body.ids)];
      for (const id of ids) await findList(accountId, id);
      let added = 0;
      let skipped = 0;
      for (const listId of ids) {
        const copied = await linkList(campaign, listId);
        if (copied === null) continue;
        added += copied[0];
        skipped += copied[1];
      }
      return { id: campaign.id, ids, contactsAdded: added, duplicatesSkipped: skipped };
    },
  );

  app.post<{ Params: { id: number }; Body: IdsBody }>(
    "/api/voice/queues/:id/users",
    {
      config: { permission: "campaigns:write" },
      schema: {
        tags: ["xcally"],
        summary:
          "Xcally: link outdial agents to a queue campaign with a penalty; the queue then dials by its dialMethod",
        params: idParams("id"),
        body: idsBody,
        response: { 200: anyObject, ...errorResponses },
      },
    },
    async (req) => {
      checkBodyId(req.body, req.params.id, "queue");
      const campaign = await findQueue(req.account.id, req.params.id);
      await linkAgents(req.account.id, "queue", campaign.id, req.body);
      return { id: campaign.id, ids: req.body.ids, penalty: String(req.body.penalty ?? "0") };
    },
  );
}
