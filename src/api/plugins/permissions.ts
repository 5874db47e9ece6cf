// Who may do what, in one place: each route names one permission (route option
// `config: { permission }`), each API key has one role, and this matrix joins them.

export const PERMISSIONS = [
  "campaigns:read",
  "campaigns:write",
  "campaigns:control",
  "contacts:read",
  "contacts:write",
  /** Taking a number off a do-not-call list (adding one is contacts:write): a compliance decision. */
  "dnc:remove",
  "keys:manage",
  "webhooks:read",
  "webhooks:manage",
  "billing:read",
  "billing:manage",
  "agents:read",
  "agents:manage",
  /** Agent desktop actions: log in and out, ready, pause, dispositions; see requireActingAgent. */
  "agents:act",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLES = ["owner", "admin", "developer", "call_list_manager", "supervisor", "agent"] as const;
export type Role = (typeof ROLES)[number];

const READ: Permission[] = ["campaigns:read", "contacts:read", "webhooks:read", "billing:read"];

const MATRIX: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  owner: new Set(PERMISSIONS),
  admin: new Set(PERMISSIONS),
  // Builds integrations: everything about campaigns and contacts, but not who holds keys.
  // Money is the owner's and admins' business: developers see the balance, they do not top it up.
  developer: new Set<Permission>([
    ...READ,
    "campaigns:write",
    "campaigns:control",
    "contacts:write",
    "dnc:remove",
    "webhooks:manage",
    "agents:read",
    "agents:manage",
  ]),
  // Uploads and curates contacts; sees campaigns but neither edits nor starts them, nor their webhooks.
  // Adds numbers to do-not-call lists but takes none off (nor shortens a listing: see store/dnc.ts).
  call_list_manager: new Set<Permission>([
    "campaigns:read",
    "contacts:read",
    "contacts:write",
    "billing:read",
    "agents:read",
  ]),
  // Watches the floor and may force an agent's state (log out someone who walked away).
  supervisor: new Set<Permission>([...READ, "agents:read", "agents:act"]),
  // A person at an agent desktop, acting only as the agent bound to them (requireActingAgent). No
  // campaigns:read: that would open every campaign's attempts and exports (callees' numbers) to them; the
  // desktop gets its own queues and the contact it is offered through the agents:act routes.
  agent: new Set<Permission>(["agents:act"]),
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function roleAllows(role: string, permission: Permission): boolean {
  return isRole(role) && MATRIX[role].has(permission);
}

/** Whether a key of role `actor` may create or revoke a key of role `target`: only an owner hands out or
 *  takes away ownership, so an admin cannot lock the owner out. */
export function mayManageRole(actor: string, target: string): boolean {
  return roleAllows(actor, "keys:manage") && (target !== "owner" || actor === "owner");
}
