import { auditMessage } from '../blocks/audit-message.js';
import type { CommandContext } from './ops-command.js';

/** Admins only. Acks at once: the permission check may have to ask Slack for user-group members. */
export async function auditCommand(ctx: CommandContext<{ name: 'audit'; limit: number }>): Promise<void> {
  await ctx.ackNow();
  await ctx.deps.permissions.require({
    userId: ctx.payload.user_id,
    role: 'admin',
    action: 'audit.view',
    target: 'audit-log',
  });
  const entries = await ctx.deps.audit.latest(ctx.command.limit);
  await ctx.reply(auditMessage(entries));
}
