import type { AuditLog } from '../audit/audit-log.js';
import { PermissionDenied } from '../errors.js';
import { groupsOfRole, holdsRole, type RoleTable } from './roles.js';
import type { UsergroupCache } from './usergroups.js';

export interface AccessRequest {
  userId: string;
  role: string;
  /** Audit action name, e.g. `command.audit`. */
  action: string;
  target: string;
}

/**
 * The one permission check every command and button goes through. A refusal is written to the audit log and thrown
 * as PermissionDenied, whose message names the role needed.
 */
export class Permissions {
  constructor(
    private readonly roles: RoleTable,
    private readonly groups: UsergroupCache,
    private readonly audit: AuditLog,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async holds(userId: string, role: string): Promise<boolean> {
    // Short-circuit before any Slack call when the answer does not depend on group membership.
    if (holdsRole(this.roles, role, userId, {})) return true;
    const groupIds = groupsOfRole(this.roles, role);
    if (groupIds.length === 0) return false;
    return holdsRole(this.roles, role, userId, await this.groups.membersOf(groupIds));
  }

  async require(request: AccessRequest): Promise<void> {
    if (await this.holds(request.userId, request.role)) return;
    await this.audit.append({
      actor: request.userId,
      action: request.action,
      target: request.target,
      outcome: 'denied',
      detail: `needs role ${request.role}`,
      at: this.now(),
    });
    throw new PermissionDenied(request.role);
  }
}
