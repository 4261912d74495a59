import { SlackApiError } from '../errors.js';
import type { Logger } from '../log.js';

/** How long a display name is trusted; a rename shows within this long. */
const TTL_MS = 10 * 60_000;
/** Names kept per process, at most (the oldest go first). */
const MAX_NAMES = 5000;
/** Users' ids (`U…`, and `W…` in Enterprise Grid). */
const USER_ID = /^[UW][A-Z0-9]{2,}$/;

/** Calls a Web API method (the outbox's `call`, paced by Slack's tiers). */
export type CallSlack = (method: string, args: Record<string, unknown>) => Promise<Record<string, unknown>>;

/**
 * Display names of Slack users and handles of user groups, for text Slack does not format (channel topics, plain-text
 * audit lines, files), where a `<@U…>` mention would show as its raw id. Looked up with users.info (groups with one
 * usergroups.list) and kept a few minutes per process; when Slack cannot say, the caller shows the id.
 */
export class UserNames {
  private readonly names = new Map<string, KnownUser>();
  private groups: { handles: Map<string, string>; until: number } | undefined;

  constructor(
    private readonly callSlack: CallSlack,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The user's display name (else real name, else handle), or undefined when Slack does not know it. */
  async nameOf(userId: string): Promise<string | undefined> {
    return (await this.userOf(userId))?.name;
  }

  /**
   * Whether the id is a person who can be given a role: not Slackbot, not a bot user (an app's, Opsdeck's own), and
   * not an id Slack says does not exist (or no user id at all: a crafted payload's). When Slack cannot answer, the
   * person is given the benefit of the doubt: an incident must not stall on a users.info outage.
   */
  async isPerson(userId: string): Promise<boolean> {
    if (userId === 'USLACKBOT' || !USER_ID.test(userId)) return false;
    const user = await this.userOf(userId);
    return user === undefined || (!user.bot && !user.missing);
  }

  /** What Slack says of the user, or undefined when it could not be asked (or the id is no user id). */
  private async userOf(userId: string): Promise<KnownUser | undefined> {
    if (!USER_ID.test(userId)) return undefined;
    const cached = this.names.get(userId);
    if (cached && cached.until > this.now()) return cached;
    let known: KnownUser;
    try {
      const result = (await this.callSlack('users.info', { user: userId })) as { user?: SlackUser };
      known = { name: displayName(result.user), bot: result.user?.is_bot === true, until: this.now() + TTL_MS };
    } catch (error) {
      if (error instanceof SlackApiError && error.slackError === 'user_not_found') {
        known = { name: undefined, bot: false, missing: true, until: this.now() + TTL_MS };
      } else {
        this.logger.warn({ err: { message: (error as Error).message } }, 'users.info failed: showing the id');
        return undefined;
      }
    }
    if (this.names.size >= MAX_NAMES) this.names.delete(this.names.keys().next().value!);
    this.names.set(userId, known);
    return known;
  }

  /**
   * A user group's handle (`leads` for `S0LEADS`), from one usergroups.list kept as long as names are; undefined when
   * Slack cannot say.
   */
  async handleOf(groupId: string): Promise<string | undefined> {
    if (!/^S[A-Z0-9]{2,}$/.test(groupId)) return undefined;
    if (!this.groups || this.groups.until <= this.now()) {
      this.groups ??= { handles: new Map(), until: 0 };
      try {
        const result = (await this.callSlack('usergroups.list', {})) as {
          usergroups?: Array<{ id?: string; handle?: string }>;
        };
        const handles = new Map<string, string>();
        for (const group of result.usergroups ?? []) {
          if (group.id && group.handle) handles.set(group.id, group.handle.slice(0, 80));
        }
        this.groups = { handles, until: this.now() + TTL_MS };
      } catch (error) {
        this.logger.warn({ err: { message: (error as Error).message } }, 'usergroups.list failed: showing the id');
        return undefined;
      }
    }
    return this.groups.handles.get(groupId);
  }

  /** Names for several user or group ids at once, as a lookup (ids Slack does not know are absent). */
  async lookup(userIds: Iterable<string>): Promise<(id: string) => string | undefined> {
    const ids = [...new Set(userIds)];
    const names = await Promise.all(ids.map((id) => (id.startsWith('S') ? this.handleOf(id) : this.nameOf(id))));
    const found = new Map(ids.map((id, i) => [id, names[i]]));
    return (id) => found.get(id);
  }
}

interface KnownUser {
  name: string | undefined;
  bot: boolean;
  /** Slack answered user_not_found. */
  missing?: boolean;
  until: number;
}

interface SlackUser {
  is_bot?: boolean;
  name?: string;
  real_name?: string;
  profile?: { display_name?: string; real_name?: string };
}

function displayName(user: SlackUser | undefined): string | undefined {
  const name = user?.profile?.display_name || user?.profile?.real_name || user?.real_name || user?.name;
  return name ? name.slice(0, 80) : undefined;
}
