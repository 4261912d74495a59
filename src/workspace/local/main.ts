import { loadEnv } from '../../config/env.js';
import { handleSignals, runEntryPoint } from '../../lifecycle.js';
import { createLogger } from '../../log.js';
import { startOpsdeck } from '../../runtime.js';
import { type LocalMode, localArgs, startLocalMode } from './local-mode.js';
import { prettyLogStream } from './pretty-log.js';

/**
 * The entry point `npm start` runs in a checkout. With no SLACK_* variable set (and NODE_ENV not `production`) it starts
 * the local workspace and Opsdeck against it; otherwise it is the production entry point, `src/main.ts`, which
 * talks to Slack or refuses to start. The production image does not contain this file.
 */
runEntryPoint(async () => {
  const env = loadEnv(process.env);
  const args = localArgs(process.argv.slice(2));
  if (env.slack.mode !== 'local' || process.env.NODE_ENV === 'production') {
    // Wiping is for the local workspace only: with Slack credentials nothing local is wiped, and saying nothing would
    // let someone believe otherwise.
    if (args.fresh) throw new Error('--fresh wipes the local workspace’s data; it does nothing with Slack set up');
    await import('../../main.js');
    return;
  }
  // A person at a terminal reads pretty lines; piped output (tests, `| tee`) stays JSON lines for tools.
  const logger = createLogger({
    level: env.logLevel,
    ...(process.stdout.isTTY ? { destination: prettyLogStream(process.stdout) } : {}),
  });
  const local: LocalMode = await startLocalMode(env, logger, process.env, args);
  try {
    const opsdeck = await startOpsdeck({ env: local.env, slack: local.slack, catalog: local.catalog, logger });
    local.connect(opsdeck.url);
    handleSignals(async () => {
      await opsdeck.close();
      await local.close();
    }, logger);
  } catch (error) {
    // The private redis-server and the workspace already run: stop them before the failure exits.
    await local.close();
    throw error;
  }
});
