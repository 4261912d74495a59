import { textMessage } from '../platform/blocks.js';
import { type ActionContext, defineCapability, subcommand } from '../platform/capability.js';
import { args, duration, identifier, keyword, optional, rest, text, word } from '../platform/grammar/index.js';
import { code, md, mention, plain, said } from '../platform/mrkdwn.js';
import { deployRunHandler } from './deploy-job.js';
import { deployRunQueue } from './deploy-queue.js';
import { DeployDesk, DeployRefused } from './desk.js';
import { ACTIONS, deploysHome, historyMessage } from './messages.js';
import { currentVersion, deployStats } from './rules.js';

const service = identifier('service', { description: 'A service from ops.yml', example: 'api' });
const environment = identifier('environment', {
  description: 'One of the service’s environments',
  example: 'production',
});
/** Any one word: the service's versionPattern (anchored) decides, and says what it expects. */
const version = word('version', { description: 'Matches the service’s versionPattern', example: '1.4.2' });

/**
 * Deploys and rollbacks with four-eyes approvals (ops.yml `deploy:`): a request is a message in the channel where it
 * was asked, approved by buttons under the environment's policy, run by a never-twice job through the service's
 * provider, verified, recorded, and one click away from a rollback to the last good version.
 */
export const deploys = defineCapability({
  name: 'deploys',
  title: 'Deploys',
  uses: ['redis', 'key', 'catalog', 'outbox', 'jobs', 'audit', 'permissions', 'metrics', 'logger', 'now'],
  build: (services) => {
    const desk = new DeployDesk(services);
    const { store } = desk;
    const now = () => services.now();

    return {
      // What runs where, per service and environment, from the recorded history.
      async home() {
        const rows = await Promise.all(
          Object.entries(services.catalog.services).flatMap(([service, config]) =>
            Object.keys(config.deploy?.environments ?? {}).map(async (environment) => {
              const history = await store.history(service, environment, 20);
              return { service, environment, current: currentVersion(history), latest: history[0] };
            }),
          ),
        );
        return deploysHome(rows);
      },
      subcommands: [
        subcommand({
          name: 'deploy',
          summary: 'Deploy a version of a service (to its first environment unless `to` says).',
          grammar: args(
            service,
            version,
            optional(keyword('to', environment)),
            optional(keyword('override', text('reason', { description: 'Admins only: deploy through a freeze' }))),
          ),
          example: 'deploy api 1.4.2 to production',
          role: 'deployer',
          changes: true,
          auditTarget: (a) => `${a.service}/${a.environment ?? ''}@${a.version}`,
          async run(ctx) {
            const { args: a } = ctx;
            if (a.reason !== undefined && !(await services.permissions.holds(ctx.userId, 'admin'))) {
              throw new DeployRefused(md`Only an *admin* may override a freeze.`);
            }
            const deploy = await desk.request(
              {
                service: a.service,
                environment: a.environment,
                version: a.version,
                kind: 'deploy',
                userId: ctx.userId,
                channel: ctx.channelId,
                overrideReason: a.reason,
              },
              { withinAck: true },
            );
            if (a.reason !== undefined) {
              await services.audit.append({
                actor: ctx.userId,
                action: 'deploys.freeze-override',
                target: `${deploy.service}/${deploy.environment}#${deploy.id}`,
                outcome: 'ok',
                detail: a.reason,
                at: now(),
              });
            }
            await ctx.reply(DeployDesk.requested(deploy));
          },
        }),
        subcommand({
          name: 'rollback',
          summary: 'Roll back to the last good version before the current one (or to the version given).',
          grammar: args(service, optional(environment), optional(keyword('to', version))),
          example: 'rollback api production',
          role: 'deployer',
          changes: true,
          auditTarget: (a) => `${a.service}/${a.environment ?? ''}`,
          async run(ctx) {
            const deploy = await desk.rollback(
              { ...ctx.args, userId: ctx.userId, channel: ctx.channelId },
              { withinAck: true },
            );
            await ctx.reply(DeployDesk.requested(deploy));
          },
        }),
        subcommand({
          name: 'deploys',
          summary: 'The latest deploys of a service, with its change failure rate.',
          grammar: args(service, optional(environment)),
          example: 'deploys api',
          changes: false,
          async run(ctx) {
            const { deploy } = desk.configOf(ctx.args.service);
            const names = ctx.args.environment
              ? [desk.environmentOf(ctx.args.service, ctx.args.environment)]
              : Object.keys(deploy.environments);
            const all = (await Promise.all(names.map((env) => store.history(ctx.args.service, env, 50)))).flat();
            all.sort((a, b) => b.requestedAt - a.requestedAt);
            const title = `Deploys of ${ctx.args.service}${ctx.args.environment ? ` in ${ctx.args.environment}` : ''}`;
            await ctx.reply(historyMessage(title, all.slice(0, 15), deployStats(all)));
          },
        }),
        subcommand({
          name: 'lock',
          summary: 'Lock a service’s environment: nobody else may deploy there until it is unlocked.',
          grammar: args(service, environment, rest('reason', { example: 'migrating the database' })),
          example: 'lock api production migrating the database',
          role: 'deployer',
          changes: true,
          auditTarget: (a) => `${a.service}/${a.environment}`,
          async run(ctx) {
            const env = desk.environmentOf(ctx.args.service, ctx.args.environment);
            const held = await store.getLock(ctx.args.service, env);
            if (held && held.by !== ctx.userId) {
              throw new DeployRefused(
                md`${ctx.args.service}/${env} is already locked by ${mention(held.by)}: ${said(held.reason)}.`,
              );
            }
            await store.setLock(ctx.args.service, env, {
              by: ctx.userId,
              reason: ctx.args.reason,
              at: now().getTime(),
            });
            await ctx.reply(
              textMessage(
                md`:lock: Locked ${ctx.args.service}/${env}: only you may deploy there until ${code(`/ops unlock ${ctx.args.service} ${env}`)}.`,
              ),
            );
          },
        }),
        subcommand({
          name: 'unlock',
          summary: 'Unlock a service’s environment.',
          grammar: args(service, environment),
          example: 'unlock api production',
          role: 'deployer',
          changes: true,
          auditTarget: (a) => `${a.service}/${a.environment}`,
          async run(ctx) {
            const env = desk.environmentOf(ctx.args.service, ctx.args.environment);
            const removed = await store.unlock(ctx.args.service, env);
            await ctx.reply(
              textMessage(
                removed
                  ? md`:unlock: Unlocked ${ctx.args.service}/${env}.`
                  : md`${ctx.args.service}/${env} was not locked.`,
              ),
            );
          },
        }),
        subcommand({
          name: 'freeze',
          summary: 'Freeze an environment: no deploys there for the duration (an admin may override).',
          grammar: args(
            identifier('environment', { example: 'production' }),
            duration('duration', { max: 30 * 86_400_000 }),
            rest('reason', { example: 'end-of-year freeze' }),
          ),
          example: 'freeze production 2h end-of-year freeze',
          role: 'admin',
          changes: true,
          auditTarget: (a) => a.environment,
          async run(ctx) {
            const at = now().getTime();
            await store.setFreeze(ctx.args.environment, {
              by: ctx.userId,
              reason: ctx.args.reason,
              at,
              until: at + ctx.args.duration,
            });
            const until = new Date(at + ctx.args.duration).toISOString().slice(0, 16).replace('T', ' ');
            await ctx.reply(textMessage(md`:snowflake: ${ctx.args.environment} is frozen until ${until} UTC.`));
          },
        }),
        subcommand({
          name: 'unfreeze',
          summary: 'End an environment’s freeze.',
          grammar: args(identifier('environment', { example: 'production' })),
          example: 'unfreeze production',
          role: 'admin',
          changes: true,
          auditTarget: (a) => a.environment,
          async run(ctx) {
            const removed = await store.unfreeze(ctx.args.environment);
            await ctx.reply(
              textMessage(
                removed
                  ? md`${ctx.args.environment} is no longer frozen.`
                  : md`${ctx.args.environment} was not frozen.`,
              ),
            );
          },
        }),
      ],
      actions: [
        // The role depends on the environment's policy: the desk checks it (and audits every click) itself.
        ...(['approve', 'reject'] as const).map((decision) => ({
          actionId: ACTIONS[decision],
          changes: false,
          async run(ctx: ActionContext) {
            if (!ctx.value) return;
            const refusal = await desk.decide({ id: ctx.value, userId: ctx.userId, decision });
            if (refusal) await ctx.respond(textMessage(plain(refusal)));
          },
        })),
        {
          actionId: ACTIONS.cancel,
          role: 'deployer',
          changes: true,
          auditTarget: (value) => `deploy#${value}`,
          async run(ctx) {
            const deploy = ctx.value ? await store.get(ctx.value) : undefined;
            if (deploy?.status !== 'running')
              return void (await ctx.respond(textMessage(md`That deploy is not running.`)));
            await store.requestCancel(deploy.id, ctx.userId);
            await ctx.respond(textMessage(md`Cancelling #${deploy.id}: the command gets SIGTERM, then SIGKILL.`));
          },
        },
        {
          actionId: ACTIONS.rollback,
          role: 'deployer',
          changes: true,
          auditTarget: (value) => `deploy#${value}`,
          async run(ctx) {
            const from = ctx.value ? await store.get(ctx.value) : undefined;
            if (!from) throw new DeployRefused('That deploy is no longer kept.');
            if (from.status === 'interrupted') {
              await desk.finish(from.id, 'failed', { decidedBy: ctx.userId, detail: 'Interrupted; rolled back.' });
            }
            const deploy = await desk.rollback(
              {
                service: from.service,
                environment: from.environment,
                userId: ctx.userId,
                channel: from.channel,
                fromId: from.id,
              },
              { withinAck: true },
            );
            await ctx.respond(DeployDesk.requested(deploy));
          },
        },
        {
          actionId: ACTIONS.retry,
          role: 'deployer',
          changes: true,
          auditTarget: (value) => `deploy#${value}`,
          async run(ctx) {
            const from = ctx.value ? await store.get(ctx.value) : undefined;
            if (from?.status !== 'interrupted')
              return void (await ctx.respond(textMessage(md`That deploy is not interrupted.`)));
            const deploy = await store.update(from.id, (d) => ({ ...d, status: 'approved', runs: d.runs + 1 }));
            await services.jobs.enqueue(deployRunQueue, { deployId: from.id, run: deploy!.runs }, { withinAck: true });
            await desk.refresh(from.id);
          },
        },
        {
          actionId: ACTIONS.markFailed,
          role: 'deployer',
          changes: true,
          auditTarget: (value) => `deploy#${value}`,
          async run(ctx) {
            const from = ctx.value ? await store.get(ctx.value) : undefined;
            if (from?.status !== 'interrupted')
              return void (await ctx.respond(textMessage(md`That deploy is not interrupted.`)));
            await desk.finish(from.id, 'failed', { decidedBy: ctx.userId, detail: 'Interrupted; marked failed.' });
          },
        },
      ],
      jobs: [deployRunHandler(desk, services.logger)],
    };
  },
});
