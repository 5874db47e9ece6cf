// Agent sessions: the node each agent is logged in on (migration 023). Agent state lives in that node's
// memory, so an agent is logged in on one node at a time: a login takes the row for its node unless it
// names another node whose heartbeat (node_heartbeats) still lives. One conditional upsert on the agent's
// primary key decides it, so of two logins on two nodes at once only one takes the row.
import type { Kysely } from "kysely";
import type { Database } from "./schema.ts";

/**
 * Takes the agent's session for `nodeId`: inserts the row, or replaces one naming this node, a node whose
 * heartbeat lapsed or a node with none. Answers false (nothing written) when another live node holds it.
 */
export async function claimAgentSession(
  db: Kysely<Database>,
  s: { agentId: number; accountId: number; nodeId: string },
  now: number,
): Promise<boolean> {
  const taken = await db
    .insertInto("agent_sessions")
    .values({ agent_id: s.agentId, account_id: s.accountId, node_id: s.nodeId, logged_in_at: now })
    .onConflict((oc) =>
      oc
        .column("agent_id")
        .doUpdateSet((eb) => ({
          account_id: eb.ref("excluded.account_id"),
          node_id: eb.ref("excluded.node_id"),
          logged_in_at: eb.ref("excluded.logged_in_at"),
          logout_requested_at: null,
        }))
        .where((eb) =>
          eb.or([
            eb("agent_sessions.node_id", "=", s.nodeId),
            eb.not(
              eb.exists(
                eb
                  .selectFrom("node_heartbeats as h")
                  .select("h.node_id")
                  .whereRef("h.node_id", "=", "agent_sessions.node_id")
                  .where("h.alive_until", ">", now),
              ),
            ),
          ]),
        ),
    )
    .returning("node_id")
    .executeTakeFirst();
  return taken !== undefined;
}

/** The account's agents' sessions, by agent id: the node each is on, and whether a logout was asked for. */
export async function agentSessionNodes(
  db: Kysely<Database>,
  accountId: number,
): Promise<Map<number, { nodeId: string; logoutRequested: boolean }>> {
  const rows = await db
    .selectFrom("agent_sessions")
    .select(["agent_id", "node_id", "logout_requested_at"])
    .where("account_id", "=", accountId)
    .execute();
  return new Map(
    rows.map((r) => [
      Number(r.agent_id),
      { nodeId: r.node_id, logoutRequested: r.logout_requested_at !== null },
    ]),
  );
}

/** An agent's session on a live node: the node, and since when the agent is logged in there. */
export interface LiveSession {
  nodeId: string;
  loggedInAt: number;
}

/**
 * The account's agents logged in on a live node other than `nodeId` (null: on any live node), by agent id;
 * only those of `agentIds` when given. A session whose node's heartbeat lapsed is no login: that node is
 * gone, its agents with it.
 */
export async function agentSessionsElsewhere(
  db: Kysely<Database>,
  { accountId, nodeId, agentIds }: { accountId: number; nodeId: string | null; agentIds?: number[] },
  now: number,
): Promise<Map<number, LiveSession>> {
  if (agentIds?.length === 0) return new Map();
  let query = db
    .selectFrom("agent_sessions as s")
    .innerJoin("node_heartbeats as h", "h.node_id", "s.node_id")
    .select(["s.agent_id", "s.node_id", "s.logged_in_at"])
    .where("s.account_id", "=", accountId)
    .where("h.alive_until", ">", now);
  if (nodeId !== null) query = query.where("s.node_id", "!=", nodeId);
  if (agentIds) query = query.where("s.agent_id", "in", agentIds);
  const rows = await query.execute();
  return new Map(
    rows.map((r) => [Number(r.agent_id), { nodeId: r.node_id, loggedInAt: Number(r.logged_in_at) }]),
  );
}

/** The live node other than `nodeId` the agent is logged in on, if any (see agentSessionsElsewhere). */
export async function agentSessionElsewhere(
  db: Kysely<Database>,
  accountId: number,
  agentId: number,
  nodeId: string,
  now: number,
): Promise<string | null> {
  const sessions = await agentSessionsElsewhere(db, { accountId, nodeId, agentIds: [agentId] }, now);
  return sessions.get(agentId)?.nodeId ?? null;
}

/** Ends the agent's session on `nodeId` (a session another node took meanwhile stays). */
export async function endAgentSession(db: Kysely<Database>, agentId: number, nodeId: string): Promise<void> {
  await db
    .deleteFrom("agent_sessions")
    .where("agent_id", "=", agentId)
    .where("node_id", "=", nodeId)
    .execute();
}

/**
 * Asks the node (not `nodeId`) the agent is logged in on to log it out (a logout served by another node):
 * the row stays, refusing logins elsewhere, until that node ends it. Marked whether or not that node's
 * heartbeat lives: a stalled node (a paused VM) that runs again logs the agent out rather than go on
 * putting calls through to it. Answers the node, and whether it is live (a lapsed node's row is no login),
 * or null when no other node holds the agent.
 */
export async function requestAgentLogout(
  db: Kysely<Database>,
  s: { accountId: number; agentId: number; nodeId: string },
  now: number,
): Promise<{ nodeId: string; live: boolean } | null> {
  const marked = await db
    .updateTable("agent_sessions")
    .set({ logout_requested_at: now })
    .where("agent_id", "=", s.agentId)
    .where("account_id", "=", s.accountId)
    .where("node_id", "!=", s.nodeId)
    .returning("node_id")
    .executeTakeFirst();
  if (!marked) return null;
  const heartbeat = await db
    .selectFrom("node_heartbeats")
    .select("node_id")
    .where("node_id", "=", marked.node_id)
    .where("alive_until", ">", now)
    .executeTakeFirst();
  return { nodeId: marked.node_id, live: heartbeat !== undefined };
}

/** The agents whose sessions name `nodeId`. */
export async function nodeSessionAgents(db: Kysely<Database>, nodeId: string): Promise<number[]> {
  const rows = await db
    .selectFrom("agent_sessions")
    .select("agent_id")
    .where("node_id", "=", nodeId)
    .execute();
  return rows.map((r) => Number(r.agent_id));
}

/** Ends every session on `nodeId`: at its start (a restarted node's agents lost theirs with the process)
 *  and at its shutdown. */
export async function endNodeSessions(db: Kysely<Database>, nodeId: string): Promise<void> {
  await db.deleteFrom("agent_sessions").where("node_id", "=", nodeId).execute();
}
