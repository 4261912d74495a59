import { loadCatalogFor } from './catalog.js';
import { loadEnv } from './config/env.js';
import { ConfigError } from './config/errors.js';
import { handleSignals, runEntryPoint } from './lifecycle.js';
import { createLogger } from './log.js';
import { slackTransport, startOpsdeck } from './runtime.js';

/**
 * The production entry point (`node dist/main.js`, the container image): environment → logger → catalog → Opsdeck →
 * signals. It talks to Slack only: without credentials it refuses to start rather than fake Slack (issue #8). The local
 * workspace has its own entry point, `src/workspace/local/main.ts`, which `npm start` runs in a checkout.
 */
runEntryPoint(async () => {
  const env = loadEnv(process.env);
  if (env.slack.mode === 'local') {
    throw new ConfigError([
      'SLACK_BOT_TOKEN: required, with SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode): set these ' +
        'Slack variables to connect Opsdeck to your workspace (README: "Connecting a real Slack workspace"). ' +
        'In production Opsdeck never starts its local workspace.',
    ]);
  }
  const logger = createLogger({ level: env.logLevel });
  const catalog = await loadCatalogFor(env, process.env, logger);
  const opsdeck = await startOpsdeck({ env, slack: slackTransport(env.slack), catalog, logger });
  handleSignals(opsdeck.close, logger);
});
