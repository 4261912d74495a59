/**
 * Slack's Web API rate limits (slack-platform.md §4), as data. The outbox paces its calls by them and the local
 * Slack-compatible server enforces them, so both read this one table (the product never imports src/workspace).
 */

export type RateTier = 'Tier1' | 'Tier2' | 'Tier3' | 'Tier4' | 'Special';

/** Requests per minute per method (Slack documents these as minimums: "1+", "20+", …). */
export const TIER_PER_MINUTE: Record<Exclude<RateTier, 'Special'>, number> = {
  Tier1: 1,
  Tier2: 20,
  Tier3: 50,
  Tier4: 100,
};

/** chat.postMessage's special tier: about one message per second per channel. */
export const POST_MESSAGE_PER_SECOND = 1;

/**
 * Tiers of the methods Opsdeck calls, copied from java-slack-sdk's rate_limit_tiers.json
 * (test/fixtures/slack/web-api-rate-limit-tiers.json; a unit test keeps them in step). Special tiers
 * (`chat.postMessage`, `auth.test`) are handled separately.
 */
export const METHOD_TIERS: Record<string, RateTier> = {
  'auth.test': 'Special',
  'chat.postMessage': 'Special',
  'chat.update': 'Tier3',
  'chat.postEphemeral': 'Tier4',
  'chat.delete': 'Tier3',
  'views.open': 'Tier4',
  'views.update': 'Tier4',
  'views.push': 'Tier4',
  'views.publish': 'Tier4',
  'conversations.create': 'Tier2',
  'conversations.invite': 'Tier3',
  'conversations.setTopic': 'Tier2',
  'conversations.info': 'Tier3',
  'conversations.history': 'Tier3',
  'conversations.replies': 'Tier3',
  'conversations.list': 'Tier2',
  'conversations.join': 'Tier3',
  'files.getUploadURLExternal': 'Tier4',
  'files.completeUploadExternal': 'Tier4',
  'pins.add': 'Tier2',
  'reactions.add': 'Tier3',
  'users.info': 'Tier4',
  'usergroups.list': 'Tier2',
  'usergroups.users.list': 'Tier2',
};
