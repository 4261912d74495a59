import type { ApprovalPolicy, ApprovalRequest } from '../approvals/approvals.js';
import type { Service } from '../config/catalog-schema.js';
import { Refused } from '../errors.js';
import { type Message, textMessage } from '../platform/blocks.js';
import { lazy } from '../platform/lazy.js';
import { code, date, type Mrkdwn, md, mention, said } from '../platform/mrkdwn.js';
import type { Services } from '../platform/services.js';
import { cut } from '../platform/text.js';
import { type DeployConfig, deployableServices, deploysConfig } from './config.js';
import { type Deploy, isFinal } from './deploy.js';
import { type DeployMetrics, deployMetrics } from './deploy-metrics.js';
import { deployRunQueue } from './deploy-queue.js';
import { APPROVAL_GATE, deployMessage, describeDeploy } from './messages.js';
import { lastGoodBefore, mayStart, versionProblem } from './rules.js';
import { DeployStore } from './store.js';

export type DeskServices = Pick<
  Services,
  'redis' | 'key' | 'keysOf' | 'catalog' | 'outbox' | 'jobs' | 'approvals' | 'metrics' | 'logger' | 'now'
>;

/** A request refused before anything was recorded, with what to fix. */
/** A deploy rule said no; the router shows the message and audits the refusal. */
export class DeployRefused extends Refused {}

export interface DeployRequest {
  service: string;
  environment?: string;
  version: string;
  kind: 'deploy' | 'rollback';
  userId: string;
  channel: string;
  /** An admin's reason to deploy through a freeze (the caller checked the role). */
  overrideReason?: string;
  /** Started by Opsdeck itself (autoRollback): no approval asked. */
  automatic?: boolean;
}

/** The deploy message's outbox key. */
export const messageKey = (id: string) => `deploy-${id}`;

/**
 * Where deploys are asked for, approved, decided and recorded: the one place the handlers and the job go through, so
 * that a deploy asked by a command, a Rollback button or autoRollback follows the same rules.
 */
export class DeployDesk {
  readonly store: DeployStore;
  /** Registered on first use: a capability's build may not touch its services yet. */
  private readonly lazyMetrics = lazy(() => deployMetrics(this.services.metrics));

  constructor(readonly services: DeskServices) {
    this.store = new DeployStore(services.redis, services.key);
  }

  get metrics(): DeployMetrics {
    return this.lazyMetrics();
  }

  /** The service's deploy settings, or a refusal naming what exists. */
  configOf(serviceName: string): { service: Service; deploy: DeployConfig } {
    const services = this.services.catalog.services;
    const service = services[serviceName];
    if (!service) {
      const known = deployableServices(this.services.catalog).map((entry) => entry.service);
      throw new DeployRefused(
        `There is no service \`${serviceName}\` in ops.yml${known.length > 0 ? ` (deployable: ${known.join(', ')})` : ''}.`,
      );
    }
    const { deploy } = deploysConfig.serviceOf(service);
    if (!deploy) throw new DeployRefused(`\`${serviceName}\` has no \`deploy:\` section in ops.yml.`);
    return { service, deploy };
  }

  /** The environment given, or the service's first; a refusal when it has no such environment. */
  environmentOf(serviceName: string, environment: string | undefined): string {
    const { deploy } = this.configOf(serviceName);
    const names = Object.keys(deploy.environments);
    const chosen = environment ?? names[0]!;
    if (!deploy.environments[chosen]) {
      throw new DeployRefused(
        `\`${serviceName}\` has no environment \`${chosen}\` (it has ${names.map((name) => `\`${name}\``).join(', ')}).`,
      );
    }
    return chosen;
  }

  /** An environment some service deploys to: freezes are by environment name, and one nobody deploys to is a typo. */
  deployedEnvironment(environment: string): string {
    const names = new Set(deployableServices(this.services.catalog).flatMap((entry) => entry.environments));
    if (names.has(environment)) return environment;
    throw new DeployRefused(
      `No service deploys to an environment \`${environment}\` (ops.yml has ${[...names].map((name) => `\`${name}\``).join(', ') || 'none'}).`,
    );
  }

  policyOf(service: string, environment: string): ApprovalPolicy | undefined {
    const approval = this.configOf(service).deploy.environments[environment]?.approval;
    return approval && { from: approval.from, count: approval.count, expiresInMs: approval.expiresIn };
  }

  /**
   * Asks for a deploy: checks the service, environment and version, the freeze, the human lock and the deploy lock,
   * records it, posts its message where it was asked and, when the environment needs no approval, starts it.
   * @throws DeployRefused saying what to fix
   */
  async request(input: DeployRequest, options: { withinAck?: boolean } = {}): Promise<Deploy> {
    const { deploy: config } = this.configOf(input.service);
    const environment = this.environmentOf(input.service, input.environment);
    const problem = versionProblem(input.version, config.versionPattern);
    if (problem) throw new DeployRefused(`Version \`${cut(input.version, 64)}\` ${problem}.`);
    const now = this.services.now().getTime();
    const [freeze, lock] = await Promise.all([
      this.store.getFreeze(environment),
      this.store.getLock(input.service, environment),
    ]);
    const decision = mayStart({
      userId: input.userId,
      freeze,
      lock,
      holder: undefined,
      override: input.overrideReason !== undefined,
      now,
    });
    if (!decision.ok) throw new DeployRefused(this.refusal(decision, input.service, environment));

    const id = await this.store.nextId();
    await this.acquire(input.service, environment, id, input.userId, now);
    const policy = input.automatic ? undefined : this.policyOf(input.service, environment);
    const deploy: Deploy = {
      id,
      service: input.service,
      environment,
      version: input.version,
      kind: input.kind,
      status: policy ? 'awaiting-approval' : 'approved',
      requester: input.userId,
      channel: input.channel,
      needsApproval: policy !== undefined,
      requestedAt: now,
      ...(policy ? {} : { approvedAt: now }),
      ...(input.overrideReason !== undefined && { override: { by: input.userId, reason: input.overrideReason } }),
      verified: false,
      runs: 0,
    };
    try {
      await this.store.record(deploy);
      if (input.kind === 'rollback') this.metrics.rollbacks.inc({ service: deploy.service, environment });
      const approval =
        policy && (await this.services.approvals.open(APPROVAL_GATE, { id, requester: input.userId, policy }));
      await this.services.outbox.post({
        key: messageKey(id),
        channel: input.channel,
        message: deployMessage(deploy, approval),
      });
      if (!policy) await this.services.jobs.enqueue(deployRunQueue, { deployId: id, run: 0 }, options);
    } catch (error) {
      await this.store.release(input.service, environment, id);
      throw error;
    }
    return deploy;
  }

  /** Takes the deploy lock, clearing it first when its holder is over (or its approval ran out). */
  private async acquire(service: string, environment: string, id: string, userId: string, now: number) {
    for (let tries = 0; tries < 3; tries++) {
      if (await this.store.acquire(service, environment, id)) return;
      const holderId = await this.store.holder(service, environment);
      if (holderId === undefined) continue;
      let holder = await this.store.get(holderId);
      if (
        holder?.status === 'awaiting-approval' &&
        (await this.services.approvals.expireIfDue(holderId)) === 'expired'
      ) {
        holder = await this.finish(holderId, 'expired', { detail: 'Nobody approved it in time.' });
      }
      const decision = mayStart({ userId, freeze: undefined, lock: undefined, holder, override: false, now });
      if (decision.ok) await this.store.release(service, environment, holderId);
      else throw new DeployRefused(this.refusal(decision, service, environment));
    }
    throw new DeployRefused(`${service}/${environment} is busy: try again in a moment.`);
  }

  /** Why a deploy may not start. Lock and freeze reasons are what a person typed: shown as their words, never markup. */
  private refusal(decision: Exclude<ReturnType<typeof mayStart>, { ok: true }>, service: string, env: string): Mrkdwn {
    switch (decision.reason) {
      case 'frozen': {
        return md`${env} is frozen until ${date(decision.freeze.until)} by ${mention(decision.freeze.by)}: ${said(decision.freeze.reason)}. An admin may deploy anyway with ${code('override "<reason>"')}; ${code(`/ops unfreeze ${env}`)} ends it.`;
      }
      case 'locked':
        return md`${service}/${env} is locked by ${mention(decision.lock.by)}: ${said(decision.lock.reason)}. Ask them, or ${code(`/ops unlock ${service} ${env}`)} when it is safe.`;
      case 'busy':
        return md`${service}/${env} is busy: #${decision.holder.id} (${describeDeploy(decision.holder)}) by ${mention(decision.holder.requester)} is ${decision.holder.status}. Wait for it to finish.`;
    }
  }

  /**
   * The click that completed the approval (the platform's gate guarantees there is one per request): the deploy is
   * approved and its run enqueued.
   */
  async approved(request: ApprovalRequest, approvedBy: string): Promise<void> {
    const now = this.services.now().getTime();
    await this.store.update(request.id, (d) => ({ ...d, status: 'approved', approvedBy, approvedAt: now }));
    await this.services.jobs.enqueue(deployRunQueue, { deployId: request.id, run: 0 }, { withinAck: true });
  }

  /**
   * Puts a deploy in a final state (once: a deploy already final stays as it is), releases its deploy lock, counts
   * it and refreshes its message.
   */
  async finish(
    id: string,
    status: 'succeeded' | 'failed' | 'cancelled' | 'rejected' | 'expired',
    extra: Partial<Pick<Deploy, 'detail' | 'decidedBy' | 'verified' | 'unverifiable'>> = {},
  ): Promise<Deploy | undefined> {
    const before = await this.store.get(id);
    if (!before || isFinal(before.status)) return before;
    const now = this.services.now().getTime();
    // Written over what was just read (store.update would read it again): one read and one write.
    const deploy: Deploy = { ...before, ...extra, status, finishedAt: now };
    await this.store.save(deploy);
    await this.store.release(deploy.service, deploy.environment, id);
    const labels = { service: deploy.service, environment: deploy.environment };
    this.metrics.deploys.inc({ ...labels, outcome: status });
    if (deploy.startedAt !== undefined) this.metrics.duration.observe(labels, (now - deploy.startedAt) / 1000);
    await this.refresh(id, deploy);
    return deploy;
  }

  /** Re-renders the deploy's message from what is stored now (`known`: the deploy as the caller just wrote it). */
  async refresh(id: string, known?: Deploy): Promise<void> {
    const [deploy, approval] = await Promise.all([known ?? this.store.get(id), this.services.approvals.get(id)]);
    if (deploy) await this.services.outbox.update({ key: messageKey(id), message: deployMessage(deploy, approval) });
  }

  /**
   * Asks for a rollback of `from`'s service+environment to the last good version before `from` (or to `version`),
   * under the environment's approval policy.
   */
  async rollback(
    input: {
      service: string;
      environment?: string;
      version?: string;
      userId: string;
      channel: string;
      automatic?: boolean;
      fromId?: string;
    },
    options: { withinAck?: boolean } = {},
  ): Promise<Deploy> {
    const environment = this.environmentOf(input.service, input.environment);
    let version = input.version;
    if (version === undefined) {
      const history = await this.store.history(input.service, environment);
      const from =
        (input.fromId !== undefined ? history.find((d) => d.id === input.fromId) : undefined) ??
        history.find((d) => d.status === 'succeeded' || d.status === 'failed' || d.status === 'interrupted');
      if (!from) throw new DeployRefused(`${input.service} has no deploy in ${environment} to roll back.`);
      version = lastGoodBefore(history, from);
      if (version === undefined) {
        throw new DeployRefused(
          `No good version of ${input.service} in ${environment} before ${from.version} (a deploy that succeeded and verified): name one with \`to <version>\`.`,
        );
      }
    }
    return this.request({ ...input, environment, version, kind: 'rollback' }, options);
  }

  /** The ephemeral answer to whoever asked. */
  static requested(deploy: Deploy): Message {
    const next = deploy.needsApproval ? 'waiting for approval (see the message in this channel)' : 'starting';
    return textMessage(md`Requested #${deploy.id}: ${describeDeploy(deploy)}, ${next}.`);
  }
}
