import { CHANNEL, type Harness, startHarness } from './harness.js';

export { ALERTMANAGER_BIN, freePort, type RealAlertmanager, startAlertmanager } from './alertmanager-process.js';

/**
 * Opsdeck for the alerts tests: webhooks on with `token`, alerts into the harness channel, everyone a responder, and
 * silences made at `alertmanagerPort` on this machine.
 */
export function startAlertsHarness(token: string, alertmanagerPort: number): Promise<Harness> {
  return startHarness({
    env: { WEBHOOK_TOKEN: token },
    opsYml: `
slack: { alertsChannel: ${CHANNEL} }
roles: { responder: ["*"] }
alerts: { alertmanagerUrl: "http://127.0.0.1:${alertmanagerPort}" }
`,
  });
}
