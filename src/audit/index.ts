import { defineCapability, subcommand } from '../platform/capability.js';
import { args, integer, optional } from '../platform/grammar/index.js';
import { auditMessage, idsIn } from './messages.js';

/** `/ops audit [n]`: the latest entries of the hash-chained audit log, for admins. */
export const audit = defineCapability({
  name: 'audit',
  title: 'Audit',
  uses: ['audit', 'names'],
  build: (services) => ({
    subcommands: [
      subcommand({
        name: 'audit',
        summary: 'Show the latest n audit log entries (default 10, at most 50). Admins only.',
        grammar: args(optional(integer('n', { min: 1, max: 50, description: 'how many entries, newest first' }), 10)),
        example: 'audit 20',
        role: 'admin',
        changes: false,
        auditAction: 'audit.view',
        auditTarget: () => 'audit-log',
        async run(ctx) {
          const entries = await services.audit.latest(ctx.args.n);
          await ctx.reply(auditMessage(entries, await services.names.lookup(idsIn(entries))));
        },
      }),
    ],
  }),
});
