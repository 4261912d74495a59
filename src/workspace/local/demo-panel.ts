import type { Catalog } from '../../config/catalog.js';
import type { Logger } from '../../log.js';
import { experimentsConfig, runbooksConfig } from '../../runbooks/config.js';
import { type DemoAction, DemoActionFailed, type DemoPanel } from '../page/demo-panel.js';
import type { DemoService } from './demo-service.js';

/**
 * Local mode's Demo panel (issue #20): each step of the README's tour that is not a command is a click here. The
 * switches flip the demo service itself; the alerts go through Opsdeck's real webhook routes with its token, in the
 * shapes Grafana and the generic route document (test/fixtures/grafana, README); the runbook and the experiment are
 * commands the signed-in person types, so permissions and four-eyes apply as they would in Slack.
 */
export interface DemoPanelInput {
  catalog: Catalog;
  /** Absent when its port was taken: the switches are then left out. */
  demo?: DemoService;
  opsdeckUrl: string;
  webhookToken: string;
  logger: Logger;
  now?: () => number;
}

/** Where an alert's links lead: the demo service's own page, the one real thing behind them. */
const linkOf = (input: DemoPanelInput) => input.demo?.url ?? input.opsdeckUrl;

/** A Grafana-managed alert as Grafana's webhook contact point sends it (see test/fixtures/grafana/). */
export function demoGrafanaWebhook(status: 'firing' | 'resolved', startsAt: string, link: string, endsAt?: string) {
  const labels = { alertname: 'ApiLatencyHigh', service: 'api', severity: 'warning', grafana_folder: 'demo' };
  const annotations = {
    summary: 'p99 latency of the demo API is above 1 s',
    description: 'Sent from the Demo panel of the local workspace, as Grafana would send it.',
  };
  const upper = status === 'firing' ? 'FIRING' : 'RESOLVED';
  return {
    receiver: 'opsdeck',
    status,
    orgId: 1,
    version: '1',
    state: status === 'firing' ? 'alerting' : 'ok',
    groupKey: '{}/{}:{alertname="ApiLatencyHigh", grafana_folder="demo"}',
    truncatedAlerts: 0,
    groupLabels: { alertname: 'ApiLatencyHigh', grafana_folder: 'demo' },
    commonLabels: labels,
    commonAnnotations: annotations,
    externalURL: `${link}/`,
    title: `[${upper}:1] ApiLatencyHigh demo (api)`,
    message: `**${status === 'firing' ? 'Firing' : 'Resolved'}**\n\nValue: A=1.2\nLabels:\n - alertname = ApiLatencyHigh\n - service = api\n`,
    alerts: [
      {
        status,
        labels,
        annotations,
        startsAt,
        endsAt: endsAt ?? '0001-01-01T00:00:00Z',
        generatorURL: `${link}/`,
        fingerprint: 'd3a0a11ce0000002',
        values: { A: 1.2 },
        valueString: "[ var='A' labels={service=api} value=1.2 ]",
      },
    ],
  };
}

/** An alert in the generic route's shape (`POST /webhooks/generic`), naming the runbook that fixes it. */
export function demoGenericWebhook(status: 'firing' | 'resolved', startsAt: string, link: string, runbook?: string) {
  return {
    title: 'Checkout errors above 2% on the demo API',
    status,
    severity: 'warning',
    service: 'api',
    fingerprint: 'demo-checkout-errors',
    startsAt,
    labels: { source: 'demo-panel' },
    annotations: {
      summary: 'Sent from the Demo panel of the local workspace through the generic webhook',
      ...(runbook && { runbook }),
    },
    links: [{ title: 'Demo API', url: link }],
  };
}

export function localDemoPanel(input: DemoPanelInput): DemoPanel {
  const log = input.logger.child({ module: 'workspace.demo-panel' });
  const now = input.now ?? Date.now;
  const iso = () => new Date(now()).toISOString();
  const { demo } = input;
  const [serviceName, service] = Object.entries(input.catalog.services).find(([, s]) => s.channel) ?? [];
  const channel = service?.channel;
  const runbook = service && runbooksConfig.serviceOf(service).runbooks[0];
  const experiment = Object.entries(experimentsConfig.of(input.catalog)).find(([, e]) => e.service === serviceName);
  /** startsAt of a demo alert that fires now, by action id: the next click resolves it. */
  const firing = new Map<string, string>();

  const send = async (route: 'grafana' | 'generic', body: unknown): Promise<void> => {
    const res = await fetch(`${input.opsdeckUrl}/webhooks/${route}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${input.webhookToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).catch((err: unknown) => {
      log.warn({ err, route }, 'demo webhook not delivered');
      throw new DemoActionFailed(`Opsdeck did not answer the ${route} webhook.`);
    });
    if (!res.ok) throw new DemoActionFailed(`Opsdeck answered the ${route} webhook with HTTP ${res.status}.`);
  };
  /** Fires the alert, or resolves it when the last click fired it. */
  const toggleAlert = async (id: string, route: 'grafana' | 'generic', what: string): Promise<string> => {
    const startsAt = firing.get(id);
    const status = startsAt ? 'resolved' : 'firing';
    const link = linkOf(input);
    const at = startsAt ?? iso();
    await send(
      route,
      route === 'grafana'
        ? demoGrafanaWebhook(status, at, link, startsAt && iso())
        : demoGenericWebhook(status, at, link, runbook),
    );
    if (startsAt) firing.delete(id);
    else firing.set(id, at);
    return startsAt
      ? `Sent the ${what} resolved: its message is edited to say so.`
      : `Sent a firing ${what} to /webhooks/${route}, for service ${serviceName ?? 'api'}. Click again to resolve it.`;
  };

  const actions: Array<DemoAction & { run?: () => Promise<string> }> = [];
  if (demo) {
    actions.push(
      {
        id: 'break',
        label: 'Break the demo API',
        hint: '/healthz answers 503: the demo Alertmanager sends ApiDown, and the scheduled check fails',
        run: async () => {
          demo.setHealthy(false);
          return 'The demo API answers 503 now: ApiDown fires in #alerts, /ops status shows it down.';
        },
      },
      {
        id: 'heal',
        label: 'Heal the demo API',
        hint: '/healthz answers 200 at once again (the restart runbook heals it too)',
        run: async () => {
          demo.setHealthy(true);
          demo.setSlow(false);
          return 'The demo API is healthy and fast again: its alert resolves.';
        },
      },
      {
        id: 'slow',
        label: 'Slow the demo API down',
        hint: 'Every answer of the demo API takes 1.2 s, until it is healed or restarted',
        run: async () => {
          demo.setSlow(true);
          return 'The demo API takes 1.2 s per answer now: /ops status api shows the latency.';
        },
      },
    );
  }
  actions.push(
    {
      id: 'grafana-alert',
      label: 'Send a Grafana alert',
      hint: 'POST /webhooks/grafana as Grafana’s webhook contact point sends it; a second click resolves it',
      run: () => toggleAlert('grafana-alert', 'grafana', 'Grafana alert ApiLatencyHigh'),
    },
    {
      id: 'generic-alert',
      label: 'Send a generic alert',
      hint: `POST /webhooks/generic${runbook ? `, naming the runbook ${runbook} (a Run button)` : ''}; a second click resolves it`,
      run: () => toggleAlert('generic-alert', 'generic', 'generic alert “Checkout errors above 2%”'),
    },
  );
  if (runbook && channel) {
    actions.push({
      id: 'runbook',
      label: `Run the ${runbook} runbook`,
      hint: `Types /ops run ${runbook} in #${serviceName} as you: someone else must approve it`,
      command: { channel, text: `/ops run ${runbook}` },
    });
  }
  if (experiment && channel) {
    actions.push({
      id: 'experiment',
      label: `Run the ${experiment[0]} experiment`,
      hint: `Types /ops experiment ${experiment[0]} in #${serviceName} as you`,
      command: { channel, text: `/ops experiment ${experiment[0]}` },
    });
  }

  return {
    actions: actions.map(({ run: _run, ...action }) => action),
    async run(id) {
      const action = actions.find((a) => a.id === id);
      if (!action?.run) throw new DemoActionFailed(`There is no demo action ${id}.`);
      const said = await action.run();
      log.info({ action: id }, 'demo panel action');
      return said;
    },
  };
}
