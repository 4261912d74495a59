import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Every metric Opsdeck exports, declared in one place. Labels are bounded: command names come from the grammar,
 * queues and Slack methods from Opsdeck's own code, outcomes from a fixed set — never user ids or free text.
 */
export interface Metrics {
  registry: Registry;
  commands: Counter<'command' | 'outcome'>;
  interactions: Counter<'surface' | 'capability' | 'outcome'>;
  ackLatency: Histogram<'surface'>;
  jobs: Counter<'queue' | 'outcome'>;
  jobDuration: Histogram<'queue' | 'outcome'>;
  queueDepth: Gauge<'queue' | 'state'>;
  slackCalls: Counter<'method' | 'outcome'>;
  slackDeadLetters: Counter<'method'>;
  slackWrites: Histogram<'method'>;
  httpRequests: Counter<'route' | 'method' | 'status'>;
  httpDuration: Histogram<'route' | 'method'>;
}

export type CommandOutcome = 'ok' | 'usage_error' | 'denied' | 'error' | 'replayed';
export type SlackCallOutcome = 'ok' | 'error' | 'ratelimited' | 'retried';

/**
 * @param collectQueueDepth called on each scrape to fill `opsdeck_queue_depth`; the bot and the workers both may
 *   export it, since queue depth lives in Redis, not in a process.
 */
export function createMetrics(
  options: { collectQueueDepth?: () => Promise<Record<string, Record<string, number>>> } = {},
): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'opsdeck_' });
  const collectQueueDepth = options.collectQueueDepth;
  return {
    registry,
    commands: new Counter({
      name: 'opsdeck_commands_total',
      help: 'Slash commands handled, by subcommand and outcome',
      labelNames: ['command', 'outcome'],
      registers: [registry],
    }),
    interactions: new Counter({
      name: 'opsdeck_interactions_total',
      help: 'Buttons, modal submissions and shortcuts handled, by surface, capability and outcome',
      labelNames: ['surface', 'capability', 'outcome'],
      registers: [registry],
    }),
    ackLatency: new Histogram({
      name: 'opsdeck_ack_duration_seconds',
      help: 'Time from receiving a Slack request to acknowledging it (Slack gives up at 3 s)',
      labelNames: ['surface'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3],
      registers: [registry],
    }),
    jobs: new Counter({
      name: 'opsdeck_jobs_total',
      help: 'Jobs finished by the workers, by queue and outcome (completed, failed, skipped)',
      labelNames: ['queue', 'outcome'],
      registers: [registry],
    }),
    jobDuration: new Histogram({
      name: 'opsdeck_job_duration_seconds',
      help: 'Job processing time, by queue and outcome',
      labelNames: ['queue', 'outcome'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'opsdeck_queue_depth',
      help: 'Jobs in each queue by state (waiting, active, delayed, failed)',
      labelNames: ['queue', 'state'],
      registers: [registry],
      async collect() {
        if (!collectQueueDepth) return;
        const depth = await collectQueueDepth();
        for (const [queue, states] of Object.entries(depth)) {
          for (const [state, count] of Object.entries(states)) this.set({ queue, state }, count);
        }
      },
    }),
    ...slackMetrics(registry),
    httpRequests: new Counter({
      name: 'opsdeck_http_requests_total',
      help: 'Requests to capability routes (webhooks included), by declared route pattern, method and status',
      labelNames: ['route', 'method', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'opsdeck_http_request_duration_seconds',
      help: 'Time to answer a capability route, by declared route pattern and method',
      labelNames: ['route', 'method'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}

/** What Opsdeck asks of Slack: every call, the writes given up, and how long a write takes to reach Slack. */
function slackMetrics(registry: Registry) {
  return {
    slackCalls: new Counter({
      name: 'opsdeck_slack_api_calls_total',
      help: 'Calls to Slack (Web API methods and response_url), by method and outcome',
      labelNames: ['method', 'outcome'],
      registers: [registry],
    }),
    slackDeadLetters: new Counter({
      name: 'opsdeck_slack_dead_letters_total',
      help: 'Slack writes given up after OUTBOX_MAX_AGE_MS of temporary failures (kept in the dead-letter stream)',
      labelNames: ['method'],
      registers: [registry],
    }),
    slackWrites: new Histogram({
      name: 'opsdeck_slack_write_seconds',
      help: 'From a write being asked of the outbox to Slack taking it, by method (an edit covered by a later one: until that one was taken)',
      labelNames: ['method'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
  };
}
