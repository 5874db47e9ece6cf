// The account's money: balance, top-ups, per-minute rates by destination prefix, and the ledger. Amounts
// are USD in the API and integer micro-USD in the store.
import type { FastifyInstance } from "fastify";
import { microsToUsd, usdToMicros } from "../../model/billing.ts";
import { listTransactions, loadBilling, setRates, topUp } from "../../store/billing.ts";
import type { BalanceTransactionRow } from "../../store/schema.ts";
import { ApiError, invalidRequest } from "../plugins/errors.ts";
import { keysetPage, type NativeApiDeps } from "./deps.ts";
import { afterIdQuery, errorResponses, isoTime, limitQuery, nextAfterId } from "./schemas/common.ts";
import { iso } from "./views.ts";

const usd = { type: "number", minimum: 0, maximum: 1_000_000 } as const;

/** USD to whole micro-USD, or a 400 naming the field: an amount finer than that (a rate of 0.0000004 USD,
 *  a top-up of 10.0000014) would otherwise be stored rounded, a positive rate as free. */
function exactMicros(amountUsd: number, field: string): number {
  const micros = amountUsd * 1_000_000;
  // The tolerance only absorbs binary floating point (0.015 × 10^6 = 15000.000000000002).
  if (Math.abs(micros - Math.round(micros)) > 0.001) {
    throw invalidRequest(`${field} must be in whole micro-USD (at most 6 decimals), got ${amountUsd}`, field);
  }
  return usdToMicros(amountUsd);
}

const balanceSchema = {
  type: "object",
  required: ["metered", "balance_usd", "default_rate_per_minute_usd", "rates"],
  properties: {
    metered: { type: "boolean", description: "false until the first top-up: calls are not charged" },
    balance_usd: { type: ["number", "null"] },
    default_rate_per_minute_usd: { type: ["number", "null"] },
    rates: {
      type: "array",
      items: {
        type: "object",
        properties: { prefix: { type: "string" }, per_minute_usd: { type: "number" } },
      },
    },
  },
} as const;

function transactionView(r: BalanceTransactionRow) {
  return {
    id: r.id,
    kind: r.kind,
    amount_usd: microsToUsd(r.amount_micros),
    attempt_id: r.attempt_id,
    note: r.note,
    created_at: iso(r.created_at),
  };
}

export async function billingRoutes(app: FastifyInstance, deps: NativeApiDeps): Promise<void> {
  const { store, clock, engine } = deps;

  async function balanceView(accountId: number) {
    const state = (await loadBilling(store.db, [accountId])).get(accountId)!;
    return {
      metered: state.balanceMicros !== null,
      balance_usd: state.balanceMicros === null ? null : microsToUsd(state.balanceMicros),
      default_rate_per_minute_usd:
        state.rates.defaultMicrosPerMinute === null ? null : microsToUsd(state.rates.defaultMicrosPerMinute),
      rates: state.rates.prefixes.map((r) => ({
        prefix: r.prefix,
        per_minute_usd: microsToUsd(r.microsPerMinute),
      })),
    };
  }

  app.get(
    "/v1/balance",
    {
      config: { permission: "billing:read" },
      schema: {
        tags: ["billing"],
        summary: "The account's balance and rates. Under 1 USD, campaigns do not start and running ones stop",
        response: { 200: balanceSchema, ...errorResponses },
      },
    },
    async (req) => balanceView(req.account.id),
  );

  app.post<{ Body: { amountUsd: number; note?: string }; Headers: { "idempotency-key"?: string } }>(
    "/v1/balance/top-up",
    {
      config: { permission: "billing:manage" },
      schema: {
        tags: ["billing"],
        summary:
          "Add to the balance (the first top-up makes the account metered); resume stopped campaigns after",
        description:
          "With an Idempotency-Key header, a top-up whose key the account has used before adds nothing: the same amount and note answer the balance as it is now (Idempotent-Replayed: true), a different one is a 409 idempotency_key_reused. Keys are kept for good.",
        headers: {
          type: "object",
          properties: {
            "idempotency-key": {
              type: "string",
              minLength: 1,
              maxLength: 255,
              pattern: "^[\\x21-\\x7e]+$",
              description: "1–255 visible ASCII characters, unique per top-up (a UUID, an invoice number)",
            },
          },
        },
        body: {
          type: "object",
          required: ["amountUsd"],
          additionalProperties: false,
          properties: {
            // The balance is kept in whole micro-USD: a smaller amount would be recorded as 0.
            amountUsd: { type: "number", minimum: 0.000001, maximum: 1_000_000 },
            note: { type: "string", maxLength: 500 },
          },
        },
        response: { 200: balanceSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      const micros = exactMicros(req.body.amountUsd, "body.amountUsd");
      const note = req.body.note ?? null;
      const key = req.headers["idempotency-key"] ?? null;
      const done = await topUp(store, req.account.id, micros, note, clock.now(), key);
      if (!done.added) {
        if (done.earlier.amountMicros !== micros || done.earlier.note !== note) {
          throw new ApiError(
            "idempotency_key_reused",
            409,
            `Idempotency-Key ${JSON.stringify(key)} was used by an earlier top-up of ${microsToUsd(done.earlier.amountMicros)} USD${done.earlier.note === null ? "" : ` (${JSON.stringify(done.earlier.note)})`}; nothing was added`,
            "headers.idempotency-key",
          );
        }
        reply.header("idempotent-replayed", "true");
        return balanceView(req.account.id);
      }
      await engine.billingChanged(req.account.id);
      return balanceView(req.account.id);
    },
  );

  app.put<{
    Body: { defaultPerMinuteUsd: number | null; rates: { prefix: string; perMinuteUsd: number }[] };
  }>(
    "/v1/balance/rates",
    {
      config: { permission: "billing:manage" },
      schema: {
        tags: ["billing"],
        summary: "Replace the per-minute rates: by destination prefix (longest match wins), else the default",
        body: {
          type: "object",
          required: ["defaultPerMinuteUsd", "rates"],
          additionalProperties: false,
          properties: {
            defaultPerMinuteUsd: { ...usd, type: ["number", "null"] },
            rates: {
              type: "array",
              // Repeated prefixes are refused by the handler, in one pass (Ajv's uniqueItems compares
              // every pair: 3 s for 10,000 rates, with the event loop stalled for every account).
              maxItems: 10_000,
              items: {
                type: "object",
                required: ["prefix", "perMinuteUsd"],
                additionalProperties: false,
                properties: {
                  prefix: { type: "string", pattern: "^[1-9][0-9]{0,14}$", description: "Digits after '+'" },
                  perMinuteUsd: usd,
                },
              },
            },
          },
        },
        response: { 200: balanceSchema, ...errorResponses },
      },
    },
    async (req) => {
      const b = req.body;
      const seen = new Set<string>();
      b.rates.forEach((r, i) => {
        if (seen.has(r.prefix)) {
          throw invalidRequest(`prefix ${r.prefix} has a rate already`, `body.rates[${i}].prefix`);
        }
        seen.add(r.prefix);
      });
      await setRates(store, req.account.id, {
        defaultMicrosPerMinute:
          b.defaultPerMinuteUsd === null
            ? null
            : exactMicros(b.defaultPerMinuteUsd, "body.defaultPerMinuteUsd"),
        prefixes: b.rates.map((r, i) => ({
          prefix: r.prefix,
          microsPerMinute: exactMicros(r.perMinuteUsd, `body.rates[${i}].perMinuteUsd`),
        })),
      });
      await engine.billingChanged(req.account.id);
      return balanceView(req.account.id);
    },
  );

  app.get<{ Querystring: { after_id?: number; limit: number } }>(
    "/v1/balance/transactions",
    {
      config: { permission: "billing:read" },
      schema: {
        tags: ["billing"],
        summary: "The ledger: top-ups and one charge per answered call",
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { after_id: afterIdQuery, limit: limitQuery },
        },
        response: {
          200: {
            type: "object",
            required: ["data", "next_after_id"],
            properties: {
              data: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    id: { type: "integer" },
                    kind: { type: "string", enum: ["top_up", "charge"] },
                    amount_usd: { type: "number" },
                    attempt_id: { type: ["integer", "null"] },
                    note: { type: ["string", "null"] },
                    created_at: isoTime,
                  },
                },
              },
              next_after_id: nextAfterId,
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const rows = await listTransactions(store.db, req.account.id, {
        afterId: req.query.after_id,
        limit: req.query.limit,
      });
      return keysetPage(rows, req.query.limit, transactionView);
    },
  );
}
