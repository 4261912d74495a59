import { PermissionDenied } from '../errors.js';
import type { AuditLog } from '../platform/audit-log.js';
import type { RefusalThrottle } from '../platform/refusal-throttle.js';
import { groupsOfRole, holdsRole, type RoleTable } from './roles.js';
import type { UsergroupCache } from './usergroups.js';

export interface AccessRequest {
  userId: string;
  role: string;
  /** Audit action name, `<capability>.<verb>`, e.g. `audit.view`. */
  action: string;
  target: string;
}

/**
 * The one permission check every command and button goes through. A refusal is written to the audit log (at most
 * `refusals.limit` per user per minute; the rest are counted and summarised) and thrown as PermissionDenied, whose
 * message names the role needed.
 */
export class Permissions {
  constructor(
    private readonly roles: RoleTable,
    private readonly groups: UsergroupCache,
    private readonly audit: AuditLog,
    private readonly refusals: RefusalThrottle,
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
    const at = this.now();
    const decision = await this.refusals.record(request.userId, at);
    const earlier = decision.suppressedEarlier;
    if (earlier) {
      await this.audit.append({
        actor: request.userId,
        action: 'audit.refusals-suppressed',
        target: 'audit-log',
        outcome: 'denied',
        detail: `${earlier.count} more refusals between ${earlier.from.toISOString()} and ${earlier.until.toISOString()} were counted, not logged`,
        at,
      });
    }
    if (decision.log === 'entry') {
      await this.audit.append({
        actor: request.userId,
        action: request.action,
        target: request.target,
        outcome: 'denied',
        detail: `needs role ${request.role}`,
        at,
      });
    } else if (decision.log === 'notice') {
      await this.audit.append({
        actor: request.userId,
        action: 'audit.refusals-throttled',
        target: 'audit-log',
        outcome: 'denied',
        detail: `more than ${this.refusals.limit} refusals in a minute: the rest of this minute's are counted, not logged`,
        at,
      });
    }
    throw new PermissionDenied(request.role);
  }
}
