import type { Permissions } from '../../access/permissions.js';
import { isCodedError, PermissionDenied, Refused, referenceId, UsageError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { AuditInput, AuditLog } from '../../platform/audit-log.js';
import { type Message, textMessage } from '../../platform/blocks.js';
import { auditActionOf, type Capability, type Guarded, isUnchanged } from '../../platform/capability.js';
import { plain } from '../../platform/mrkdwn.js';
import { cut } from '../../platform/text.js';
import { deniedMessage, failureMessage, usageMessage } from './replies.js';

export type Surface = 'command' | 'action' | 'view' | 'shortcut';

/** How a guarded call ended; anything but `ok` carries the message for the user. */
export type Outcome<T> =
  | { outcome: 'ok'; value: T }
  | { outcome: 'noop' | 'usage_error' | 'denied' | 'error'; message: Message; reference?: string };

export interface GuardDeps {
  permissions: Permissions;
  audit: AuditLog;
  logger: Logger;
  now(): Date;
}

export interface GuardedCall {
  capability: Capability;
  surface: Surface;
  /** Subcommand name, action id, callback id. */
  name: string;
  guard: Guarded;
  userId: string;
  target: string;
  /** For the failure message: "running /ops deploy". */
  what: string;
  /** The role, when it is known only at run time (`Action.roleFor`): replaces `guard.role`. */
  role?: () => Promise<string | undefined>;
}

/**
 * The one place every handler passes through: the permission check before it, the audit entry for a change after it
 * (ok or failed), and every error mapped to something a user can read. A refusal is audited by Permissions.
 */
export async function runGuarded<T>(deps: GuardDeps, call: GuardedCall, run: () => Promise<T>): Promise<Outcome<T>> {
  const action = call.guard.auditAction ?? auditActionOf(call.capability.name, call.name);
  const audit = (outcome: AuditInput['outcome'], detail?: string) =>
    deps.audit.append({ actor: call.userId, action, target: call.target, outcome, detail, at: deps.now() });
  try {
    const role = call.role ? await call.role() : call.guard.role;
    if (role) await deps.permissions.require({ userId: call.userId, role, action, target: call.target });
    const value = await run();
    if (isUnchanged(value)) {
      if (call.guard.changes) await audit('noop', cut(value.unchanged, 200));
      return { outcome: 'noop', message: textMessage(plain(value.unchanged)) };
    }
    const fields = fieldErrors(value);
    if (call.guard.changes) await audit(fields ? 'invalid' : 'ok', fields && cut(fields, 200));
    return { outcome: 'ok', value };
  } catch (error) {
    if (error instanceof UsageError) return { outcome: 'usage_error', message: usageMessage(error) };
    if (error instanceof PermissionDenied) return { outcome: 'denied', message: deniedMessage(error) };
    if (error instanceof Refused) {
      if (call.guard.changes) await audit('denied', cut(error.auditDetail, 200));
      return { outcome: 'denied', message: deniedMessage(error) };
    }
    const reference = referenceId();
    deps.logger.error(
      {
        reference,
        capability: call.capability.name,
        surface: call.surface,
        name: call.name,
        err: isCodedError(error) ? { code: error.code, message: error.message } : error,
      },
      `${call.surface} failed`,
    );
    if (call.guard.changes) await audit('failed', `reference ${reference}`).catch(() => {});
    return { outcome: 'error', message: failureMessage(call.what, reference), reference };
  }
}

/** A modal's `{ errors }` answer as `field: message; …`, for the audit entry of the refused input. */
function fieldErrors(value: unknown): string | undefined {
  const errors = (value as { errors?: Record<string, string> } | undefined)?.errors;
  if (!errors) return undefined;
  return Object.entries(errors)
    .map(([field, message]) => `${field}: ${message}`)
    .join('; ');
}
