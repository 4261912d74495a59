import type { Service } from '../config/catalog-schema.js';
import { isUrlWith } from '../config/url.js';
import type { Logger } from '../log.js';
import type { JobHandler } from '../platform/capability.js';
import type { DeployConfig } from './config.js';
import type { Deploy } from './deploy.js';
import { type DeployRunJob, deployRunQueue } from './deploy-queue.js';
import type { DeployDesk } from './desk.js';
import { outputMessage } from './messages.js';
import { commandProvider } from './providers/command.js';
import { githubProvider } from './providers/github.js';
import type { DeployProviderRunner } from './providers/provider.js';
import { webhookProvider } from './providers/webhook.js';
import { isFrozen } from './rules.js';
import { runVerify } from './verify.js';

/** How often a running deploy looks for a Cancel click, and at most how often its output is re-posted. */
const CANCEL_POLL_MS = 500;
const OUTPUT_EVERY_MS = 1000;
/** The output shown in the thread: the last lines, within one section. */
const OUTPUT_TAIL_CHARS = 2800;

/** The outbox key of the deploy's output, a reply in its message's thread. */
export const outputKey = (id: string) => `deploy-${id}-output`;

/** Runs approved deploys: the provider, the verify checks, the final state and, when asked for, the rollback. */
export function deployRunHandler(desk: DeployDesk, logger: Logger): JobHandler<DeployRunJob> {
  const { store, services } = desk;
  const now = () => services.now().getTime();

  async function interrupted(data: DeployRunJob): Promise<void> {
    const deploy = await store.get(data.deployId);
    if (!deploy || (deploy.status !== 'running' && deploy.status !== 'verifying' && deploy.status !== 'approved'))
      return;
    await store.update(deploy.id, (d) => ({ ...d, status: 'interrupted' }));
    logger.warn({ deployId: deploy.id }, 'deploy interrupted: the worker running it stopped');
    await desk.refresh(deploy.id);
  }

  return {
    queue: deployRunQueue,
    onInterrupted: interrupted,
    async process(data) {
      const deploy = await store.get(data.deployId);
      if (deploy?.status !== 'approved') return { skipped: deploy?.status ?? 'missing' };
      // Belt and braces beside onStall: 'interrupt': whatever picks this run up again, it never starts twice. The
      // environment's freeze is read in the same round trip.
      const { fresh, freeze } = await store.markStarted(`${deploy.id}-${data.run}`, deploy.environment);
      if (!fresh) {
        await interrupted(data);
        return { skipped: 'started before' };
      }
      const { service, deploy: config } = desk.configOf(deploy.service);
      if (!deploy.override && isFrozen(freeze, now())) {
        await desk.finish(deploy.id, 'failed', { detail: `${deploy.environment} was frozen before it could start.` });
        return { outcome: 'frozen' };
      }
      // This job alone moves an approved deploy on: what it just read is what it writes over, and what it draws.
      const running: Deploy = { ...deploy, status: 'running', startedAt: now() };
      await store.save(running);
      // The message shows "running" while the command already runs: its edit (three round trips) is not on the
      // deploy's way. Best effort: the final state's edit, below, is the one that must go out.
      const shown = desk.refresh(deploy.id, running).catch((error: Error) => {
        logger.warn({ deployId: deploy.id, err: { message: error.message } }, 'running state not shown');
      });

      const provider = providerFor(config, deploy.id);
      const result = await runWithOutput(desk, deploy.id, provider, shown, {
        service: deploy.service,
        version: deploy.version,
        environment: deploy.environment,
        user: deploy.requester,
      });
      if (result.committedAt !== undefined) {
        await store.update(deploy.id, (d) => ({ ...d, committedAt: result.committedAt }));
      }
      if (!result.ok) {
        const cancelledBy = await store.cancelRequestedBy(deploy.id);
        if (cancelledBy && result.detail === 'cancelled') {
          await desk.finish(deploy.id, 'cancelled', {
            decidedBy: cancelledBy,
            detail: 'Cancelled: the command was stopped.',
          });
        } else {
          await desk.finish(deploy.id, 'failed', { detail: `The deploy failed: ${result.detail}.` });
        }
        return { outcome: 'failed' };
      }

      return verifyAndFinish(desk, logger, deploy, { service, config }, result.detail);
    },
  };
}

/**
 * The deploy ran: runs the environment's verify checks, records the outcome and, when they fail and the environment
 * says `autoRollback`, asks for the rollback.
 */
async function verifyAndFinish(
  desk: DeployDesk,
  logger: Logger,
  deploy: Deploy,
  { service, config }: { service: Service; config: DeployConfig },
  detail: string,
) {
  const { store, services } = desk;
  const environment = config.environments[deploy.environment]!;
  if (environment.verify.length === 0) {
    // Nothing to verify: no "verifying" step to watch, and never called verified.
    await desk.finish(deploy.id, 'succeeded', {
      unverifiable: true,
      detail: `${detail}. No verification configured for ${deploy.environment}.`,
    });
    return { outcome: 'succeeded' };
  }
  await store.update(deploy.id, (d) => ({ ...d, status: 'verifying', verifyingAt: services.now().getTime() }));
  await desk.refresh(deploy.id);
  const verify = await runVerify(
    environment.verify.map((name) => ({ name, check: service.checks[name] })),
    deploy.service,
  );
  const lines = verify.lines.length > 0 ? ` Verification: ${verify.lines.join('; ')}.` : '';
  if (verify.ok) {
    await desk.finish(deploy.id, 'succeeded', { verified: true, detail: `${detail}.${lines}` });
    return { outcome: 'succeeded' };
  }
  await desk.finish(deploy.id, 'failed', { detail: `Verification failed.${lines}` });
  if (environment.autoRollback) {
    try {
      await desk.rollback({
        service: deploy.service,
        environment: deploy.environment,
        userId: deploy.requester,
        channel: deploy.channel,
        automatic: true,
        fromId: deploy.id,
      });
    } catch (error) {
      logger.warn({ deployId: deploy.id, err: { message: (error as Error).message } }, 'automatic rollback refused');
    }
  }
  return { outcome: 'verify-failed' };
}

function providerFor(config: DeployConfig, deployId: string): DeployProviderRunner {
  if (config.provider === 'command') return commandProvider(config);
  if (config.provider === 'webhook') return webhookProvider(config, deployId);
  return githubProvider(config, deployId);
}

/**
 * Runs the provider with Cancel watched and its output's tail posted (and kept current) in the message's thread.
 * `shown`: the message's edit to "running", which the output's and the link's writes follow.
 */
async function runWithOutput(
  desk: DeployDesk,
  id: string,
  provider: DeployProviderRunner,
  shown: Promise<void>,
  target: Parameters<DeployProviderRunner['run']>[0]['target'],
) {
  const { outbox } = desk.services;
  const abort = new AbortController();
  let tail = '';
  let posted = false;
  let dirty = false;
  let link: string | undefined;
  const flush = async (done: boolean) => {
    if (!dirty && !done) return;
    dirty = false;
    const message = outputMessage({ id }, tail, done);
    if (!posted) {
      posted = true;
      await outbox.post({
        key: outputKey(id),
        channel: (await desk.store.get(id))!.channel,
        message,
        threadKey: `deploy-${id}`,
      });
    } else {
      await outbox.update({ key: outputKey(id), message });
    }
  };
  let flushing = shown;
  const outputTimer = setInterval(() => {
    flushing = flushing.then(() => flush(false)).catch(() => {});
  }, OUTPUT_EVERY_MS);
  const cancelTimer = setInterval(() => {
    void desk.store.cancelRequestedBy(id).then(
      (by) => by && abort.abort(),
      () => {},
    );
  }, CANCEL_POLL_MS);
  try {
    return await provider.run({
      target,
      signal: abort.signal,
      now: desk.services.now,
      onOutput(text) {
        tail = (tail + text).slice(-OUTPUT_TAIL_CHARS);
        dirty = true;
      },
      onLink(url) {
        // From the provider's answer: only an http(s) URL becomes a link on the message.
        if (url === link || !isUrlWith(url, ['http', 'https'])) return;
        link = url;
        flushing = flushing
          .then(() => desk.store.update(id, (d) => ({ ...d, link: url })))
          .then(() => desk.refresh(id))
          .catch(() => {});
      },
    });
  } finally {
    clearInterval(outputTimer);
    clearInterval(cancelTimer);
    await flushing;
    if (dirty || posted) await flush(true);
  }
}
