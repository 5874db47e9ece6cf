// Table types as Kysely sees them. Times are integer milliseconds since the epoch in both dialects;
// JSON values are stored as text so both dialects read them the same way.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

type Id = Generated<number>;

export interface AccountsTable {
  id: Id;
  name: string;
  created_at: number;
  /** Balance in micro-USD; null = not metered. */
  balance_micros: number | null;
  /** Micro-USD per minute of an answered call when no rate prefix matches; null = free. */
  default_rate_micros: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface RatesTable {
  id: Id;
  account_id: number;
  /** Digits of E.164 numbers (no '+') this rate applies to; the longest match wins. */
  prefix: string;
  /** Micro-USD per minute. */
  rate_micros: number;
}

/** The balance ledger: top-ups (positive) and call charges (negative, one per attempt at most). */
export interface BalanceTransactionsTable {
  id: Id;
  account_id: number;
  kind: string;
  amount_micros: number;
  attempt_id: number | null;
  note: string | null;
  created_at: number;
  /** A top-up's key from its client: unique per account, so a retried top-up adds nothing (024). */
  idempotency_key: Generated<string | null>;
}

export interface ApiKeysTable {
  id: Id;
  account_id: number;
  name: string;
  prefix: string;
  hash: string;
  role: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface CampaignsTable {
  id: Id;
  account_id: number;
  name: string;
  status: string;
  status_reason: string | null;
  priority: number;
  settings: string;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  /** When a running campaign becomes halted (from endAt or lifetime). */
  halt_at: number | null;
  finished_at: number | null;
}

export interface ListsTable {
  id: Id;
  account_id: number;
  campaign_id: number;
  name: string;
  created_at: number;
}

export interface ContactsTable {
  id: Id;
  account_id: number;
  campaign_id: number;
  list_id: number;
  external_id: string | null;
  /** JSON array of E.164 numbers (or raw text for flagged ones), in dialing order. */
  phones: string;
  /** The first phone, indexed for duplicate checks. */
  phone: string;
  /** JSON object of custom fields. */
  custom: string;
  time_zone: string | null;
  /** Contact's own daily window, seconds of the UTC day; null = none. */
  daily_from_sec: number | null;
  daily_to_sec: number | null;
  start_at: number | null;
  /** Lower is dialed first (JAICP policy numbers get a lower value). */
  priority: number;
  status: string;
  /** 1 when due and waiting in the dial queue; 0 while waiting for next_attempt_at. */
  ready: number;
  /** 0 = goes first under the campaign's attempt order, 1 = after. */
  order_class: number;
  attempts: number;
  phone_index: number;
  /** JSON array: attempts per phone index. */
  phone_attempts: string;
  /** JSON object: retries used per retry key. */
  retry_counts: string;
  next_attempt_at: number;
  /** Why a pending contact is waiting (window, retry, cap…), for the "why not dialing" report. */
  wait_reason: string | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  last_outcome: string | null;
  last_attempt_at: number | null;
  /** Set when a phone failed normalization and the import policy kept the row. */
  flagged: number;
  /** JSON of the contact's own call policy (model/contact-policy.ts); null = the campaign's. */
  policy: ColumnType<string | null, string | null | undefined, string | null>;
  /** The agent a personal callback is held for (see store/personal-callbacks.ts); null = anyone's. */
  callback_agent_id: ColumnType<number | null, number | null | undefined, number | null>;
  /** When the contact's latest abandoned call ended; null if none was. The claim keeps 72 h after it. */
  abandoned_at: ColumnType<number | null, number | null | undefined, number | null>;
  /** When it was withdrawn while on a call (engine withdrawContact); the claim then settles it cancelled
   *  instead of dialing it again. null: never. */
  withdrawn_at: ColumnType<number | null, number | null | undefined, number | null>;
  created_at: number;
  updated_at: number;
}

export interface AttemptsTable {
  id: Id;
  account_id: number;
  campaign_id: number;
  contact_id: number;
  /** 1-based attempt number within the contact; unique per contact. */
  seq: number;
  phone: string;
  phone_index: number;
  caller_id: string | null;
  started_at: number;
  answered_at: number | null;
  ended_at: number | null;
  outcome: string | null;
  cause: string | null;
  talk_sec: number | null;
  success: number | null;
  owner: string;
  /** JSON: recording metadata, scenario result, AMD verdict details. */
  details: string | null;
  /** The agent the answered call was connected to (kept after the agent is deleted); null when the call
   *  never reached an agent (a preview nobody answered, a machine, a robot's call), disposed of or not. */
  agent_id: number | null;
  /** What the agent set after the call, and when. */
  disposition: string | null;
  disposition_at: number | null;
  /** The agent who set the disposition (018), whether or not the call was connected to it. */
  disposed_by: number | null;
  /** Answer → connected to an agent, in ms. */
  wait_ms: number | null;
  /** JSON ReservedState: set while an agent's previewed contact is claimed but not dialed (015). */
  reserved: string | null;
}

export interface WebhooksTable {
  id: Id;
  account_id: number;
  /** null = every campaign of the account. */
  campaign_id: number | null;
  url: string;
  /** HMAC-SHA256 key of the signature header; shown once, at creation. */
  secret: string;
  /** JSON array of event types. */
  events: string;
  /** Seconds an event waits before its first delivery (Twin24 `delay`). */
  delay_sec: number;
  /** 0 = only events that settle a contact or a campaign (Twin24 `partialResults: false`). */
  partial_results: number;
  /** Failed deliveries after which an event is dead-lettered. */
  max_attempts: number;
  active: number;
  /** The face that made it and keeps it in step ("twin24": a task's webhookUrls); null = the native API. */
  made_by: string | null;
  created_at: number;
  updated_at: number;
}

/** The outbox: one row per event and subscription. */
export interface WebhookDeliveriesTable {
  id: Id;
  account_id: number;
  webhook_id: number;
  /** Unique per event; the receiver's key for deduplication (delivery is at least once). */
  event_id: string;
  event_type: string;
  /** Events with one key are delivered in write order: one contact's, or one campaign's. */
  order_key: string;
  payload: string;
  /** pending | delivered | dead */
  status: string;
  attempts: number;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  last_error: string | null;
  last_status: number | null;
  created_at: number;
  delivered_at: number | null;
}

export interface UsersTable {
  id: Id;
  account_id: number;
  username: string;
  /** scrypt$<N>$<r>$<p>$<salt b64>$<hash b64> */
  password_hash: string;
  role: string;
  created_at: number;
  updated_at: number;
  disabled_at: number | null;
}

export interface ServiceAccountsTable {
  id: Id;
  account_id: number;
  name: string;
  role: string;
  key_id: string;
  /** SPKI PEM of the RSA key that signs the account's JWTs. */
  public_key: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** A secret bound to one campaign (JAICP campaign token); only its sha256 is kept. */
export interface CampaignTokensTable {
  id: Id;
  account_id: number;
  campaign_id: number;
  name: string;
  prefix: string;
  hash: string;
  created_at: number;
  revoked_at: number | null;
}

/** A robot scenario (model/robot-scenario.ts); `config` holds say, results and talkSec as JSON. */
export interface ScenariosTable {
  id: Id;
  account_id: number;
  key: string;
  name: string;
  config: string;
  created_at: number;
  updated_at: number;
}

export interface AgentsTable {
  id: Id;
  account_id: number;
  name: string;
  /** The account user who acts as this agent from a desktop; one agent per user. */
  user_id: number | null;
  /** SIP endpoint or number the agent's own leg is dialed on. */
  extension: string | null;
  created_at: number;
  updated_at: number;
}

/** A campaign's queue: the agents it dials for. */
export interface CampaignAgentsTable {
  campaign_id: number;
  agent_id: number;
  /** Lower is offered calls first. */
  penalty: ColumnType<number, number | undefined, number>;
  created_at: number;
}

/** A named queue of agents (Voximplant's ACD queue): campaigns name it in settings.queueId. */
export interface AgentQueuesTable {
  id: Id;
  account_id: number;
  name: string;
  created_at: number;
  updated_at: number;
}

export interface AgentQueueMembersTable {
  queue_id: number;
  agent_id: number;
  /** Lower is offered calls first. */
  penalty: ColumnType<number, number | undefined, number>;
  created_at: number;
}

/** An account's do-not-call entry: the number is never dialed while it is listed and not expired. */
export interface DncNumbersTable {
  id: Id;
  account_id: number;
  /** The campaign whose own list holds the entry; 0 = the account-wide list. */
  campaign_id: Generated<number>;
  /** E.164; a number that is not valid, as written (the text a contact kept flagged holds). */
  phone: string;
  /** What a search by leading digits compares (store/dnc.ts dncSearchKey) when the phone is not E.164;
   *  null for an E.164 phone, its own key (storedSearchKey), and for any entry an older node added. */
  search_key: string | null;
  /** The list or file it came from. */
  source: string;
  reason: string | null;
  created_at: number;
  /** null = listed until removed. */
  expires_at: number | null;
}

/** The node that dispatches a campaign (see migration 016). */
export interface CampaignLeasesTable {
  campaign_id: number;
  node_id: string;
  expires_at: number;
}

/** A dialog the sip driver confirmed (ACKed its 2xx) and has not ended: what a BYE in it needs, so that
 *  the next run at the same SIP address (local_address) can hang it up (027). */
export interface SipDialogsTable {
  sip_call_id: string;
  /** The callee's To tag; "" from a far end that sent none. */
  remote_tag: string;
  /** host:port as the driver's Via and Contact name it. */
  local_address: string;
  /** The node (config.nodeId) that kept it, whose heartbeat says whether it is still up (028); null in
   *  rows written before 028, a dead run's. */
  node_id: string | null;
  /** The machine (os.hostname()) of that node: a process restarted there takes its rows at once (028). */
  host: string | null;
  local_tag: string;
  /** From and To without their tags. */
  local_uri: string;
  remote_uri: string;
  remote_target: string;
  /** JSON array of the Route header values, in order. */
  route_set: string;
  next_cseq: number;
  /** Where the dialog's requests go (the trunk of the run that made it). */
  peer_host: string;
  peer_port: number;
  answered_at: number;
}

/** A node process's heartbeat: the contacts it leased stay its own until `alive_until` (020). */
export interface NodeHeartbeatsTable {
  node_id: string;
  alive_until: number;
  /** The process that keeps it (029): null when none does (written before 029, or let go at a shutdown). */
  process_token: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A call of a deleted campaign, kept for the account's per-number caps and minimum gap (022). */
export interface NumberHistoryTable {
  id: Id;
  account_id: number;
  /** E.164, as the attempt dialed it. */
  phone: string;
  started_at: number;
  ended_at: number | null;
}

/** The node an agent is logged in on (023): one node at a time (store/agent-sessions.ts). */
export interface AgentSessionsTable {
  agent_id: number;
  account_id: number;
  node_id: string;
  logged_in_at: number;
  logout_requested_at: number | null;
}

export interface Database {
  accounts: AccountsTable;
  api_keys: ApiKeysTable;
  campaigns: CampaignsTable;
  lists: ListsTable;
  contacts: ContactsTable;
  attempts: AttemptsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  users: UsersTable;
  service_accounts: ServiceAccountsTable;
  rates: RatesTable;
  balance_transactions: BalanceTransactionsTable;
  campaign_tokens: CampaignTokensTable;
  scenarios: ScenariosTable;
  dnc_numbers: DncNumbersTable;
  agents: AgentsTable;
  campaign_agents: CampaignAgentsTable;
  agent_queues: AgentQueuesTable;
  agent_queue_members: AgentQueueMembersTable;
  campaign_leases: CampaignLeasesTable;
  node_heartbeats: NodeHeartbeatsTable;
  sip_dialogs: SipDialogsTable;
  number_history: NumberHistoryTable;
  agent_sessions: AgentSessionsTable;
}

export type Account = Selectable<AccountsTable>;
export type Campaign = Selectable<CampaignsTable>;
export type NewCampaign = Insertable<CampaignsTable>;
export type CampaignUpdate = Updateable<CampaignsTable>;
export type ContactRow = Selectable<ContactsTable>;
export type NewContact = Insertable<ContactsTable>;
export type AttemptRow = Selectable<AttemptsTable>;
export type ListRow = Selectable<ListsTable>;
export type WebhookRow = Selectable<WebhooksTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type UserRow = Selectable<UsersTable>;
export type ServiceAccountRow = Selectable<ServiceAccountsTable>;
export type BalanceTransactionRow = Selectable<BalanceTransactionsTable>;
export type CampaignTokenRow = Selectable<CampaignTokensTable>;
export type ScenarioRow = Selectable<ScenariosTable>;
export type DncNumberRow = Selectable<DncNumbersTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type AgentRow = Selectable<AgentsTable>;
export type AgentQueueRow = Selectable<AgentQueuesTable>;
export type { ColumnType };
