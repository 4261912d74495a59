import type { RedisCommands } from '../redis/connections.js';

/** What ops.yml's `approval:` says, parsed: `count` people holding `from`, within `expiresInMs` of the request. */
export interface ApprovalPolicy {
  from: string;
  count: number;
  expiresInMs: number;
}

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired';

/** One click on Approve or Reject, kept to be audited and shown on the request's message. */
export interface ApprovalClick {
  userId: string;
  decision: 'approve' | 'reject';
  /** What the click did: `approved` is the one click that completed the approval. */
  outcome: DecideOutcome;
  at: number;
}

export interface ApprovalRequest {
  id: string;
  requester: string;
  policy: ApprovalPolicy;
  status: ApprovalStatus;
  requestedAt: number;
  expiresAt: number;
  approvers: string[];
  clicks: ApprovalClick[];
}

/**
 * What one click did. Exactly one click of a request ever returns `approved` (or `rejected`): the caller runs the
 * approved action on that outcome only, so double clicks, Slack retries and two approvers at once run it once.
 * - `counted`: an approval was recorded, more are needed (`count` > 1).
 * - `self`: the requester clicked Approve on their own request.
 * - `again`: this approver already approved.
 * - `expired`: the request's time ran out (it is now expired).
 * - `closed`: the request was already approved, rejected or expired.
 */
export type DecideOutcome = 'approved' | 'rejected' | 'counted' | 'self' | 'again' | 'expired' | 'closed';

/**
 * The transition, atomic in Redis: the request's hash and its clicks list change together or not at all.
 * KEYS[1] the request hash, KEYS[2] its clicks list. ARGV: user, decision, now (ms), click JSON prefix.
 */
const DECIDE_SCRIPT = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'missing' end
local user, decision, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local outcome
if status ~= 'pending' then
  outcome = 'closed'
elseif now > tonumber(redis.call('HGET', KEYS[1], 'expiresAt')) then
  redis.call('HSET', KEYS[1], 'status', 'expired')
  outcome = 'expired'
elseif decision == 'reject' then
  -- The requester may withdraw their own request: rejecting is never the four-eyes risk.
  redis.call('HSET', KEYS[1], 'status', 'rejected', 'decidedBy', user)
  outcome = 'rejected'
elseif user == redis.call('HGET', KEYS[1], 'requester') then
  outcome = 'self'
else
  local approvers = cjson.decode(redis.call('HGET', KEYS[1], 'approvers'))
  for _, id in ipairs(approvers) do
    if id == user then outcome = 'again' end
  end
  if not outcome then
    table.insert(approvers, user)
    redis.call('HSET', KEYS[1], 'approvers', cjson.encode(approvers))
    if #approvers >= tonumber(redis.call('HGET', KEYS[1], 'count')) then
      redis.call('HSET', KEYS[1], 'status', 'approved', 'decidedBy', user)
      outcome = 'approved'
    else
      outcome = 'counted'
    end
  end
end
redis.call('RPUSH', KEYS[2], cjson.encode({userId = user, decision = decision, outcome = outcome, at = now}))
return outcome
`;

/**
 * Four-eyes approvals, one module for every capability that asks for them (deploys, flags, runbooks). A request is a
 * Redis hash under the owning capability's keys; `decide` moves it atomically, so the requester can never approve
 * their own and exactly one click completes it. Capabilities reach it through their approval gates
 * (`gate-actions.ts`): the router checks the clicker's role at click time before `decide`, and the gate runs the
 * capability's `onApproved` on `approved`.
 */
export class Approvals {
  constructor(
    private readonly redis: RedisCommands,
    /** The owning capability's `services.key`. */
    private readonly key: (...parts: string[]) => string,
    /** How long a request is kept after it expires, for the message and audit trail. */
    private readonly keepMs = 7 * 86_400_000,
  ) {}

  async create(input: { id: string; requester: string; policy: ApprovalPolicy; at: number }): Promise<ApprovalRequest> {
    const expiresAt = input.at + input.policy.expiresInMs;
    const hash = this.key('approval', input.id);
    await this.redis
      .multi()
      .hset(hash, {
        requester: input.requester,
        from: input.policy.from,
        count: String(input.policy.count),
        expiresInMs: String(input.policy.expiresInMs),
        status: 'pending',
        requestedAt: String(input.at),
        expiresAt: String(expiresAt),
        approvers: '[]',
      })
      .pexpire(hash, input.policy.expiresInMs + this.keepMs)
      .pexpire(this.key('approval', input.id, 'clicks'), input.policy.expiresInMs + this.keepMs)
      .exec();
    return (await this.get(input.id))!;
  }

  /** Records one click and says what it did (see DecideOutcome); `missing` when no such request is kept. */
  async decide(input: {
    id: string;
    userId: string;
    decision: 'approve' | 'reject';
    at: number;
  }): Promise<DecideOutcome | 'missing'> {
    const outcome = await this.redis.eval(
      DECIDE_SCRIPT,
      2,
      this.key('approval', input.id),
      this.key('approval', input.id, 'clicks'),
      input.userId,
      input.decision,
      String(input.at),
    );
    return outcome as DecideOutcome | 'missing';
  }

  /** Marks a pending request expired when its time ran out (for callers that find it while looking at something else). */
  async expireIfDue(id: string, at: number): Promise<ApprovalStatus | undefined> {
    const request = await this.get(id);
    if (request?.status === 'pending' && at > request.expiresAt) {
      await this.decide({ id, userId: 'system', decision: 'approve', at });
      return 'expired';
    }
    return request?.status;
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    const [hash, clicks] = await Promise.all([
      this.redis.hgetall(this.key('approval', id)),
      this.redis.lrange(this.key('approval', id, 'clicks'), 0, -1),
    ]);
    if (!hash.status) return undefined;
    return {
      id,
      requester: hash.requester!,
      policy: { from: hash.from!, count: Number(hash.count), expiresInMs: Number(hash.expiresInMs) },
      status: hash.status as ApprovalStatus,
      requestedAt: Number(hash.requestedAt),
      expiresAt: Number(hash.expiresAt),
      approvers: JSON.parse(hash.approvers ?? '[]') as string[],
      clicks: clicks.map((click) => JSON.parse(click) as ApprovalClick),
    };
  }
}
