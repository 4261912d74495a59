// Baseline: a bare Bolt app that only acks `/ops`. Same receiver (HTTPReceiver), same signature checks, same Web API
// base as Opsdeck, so the ratio measures what Opsdeck adds. Plain JS so it runs without a loader, as Opsdeck's dist does.
import bolt from '@slack/bolt';

const { App, HTTPReceiver, LogLevel } = bolt;
const receiver = new HTTPReceiver({ signingSecret: process.env.SLACK_SIGNING_SECRET, logLevel: LogLevel.ERROR });
const app = new App({
  token: process.env.SLACK_BOT_TOKEN,
  receiver,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL },
  logLevel: LogLevel.ERROR,
});
app.command('/ops', async ({ ack }) => {
  await ack({ response_type: 'ephemeral', text: 'ok' });
});
await app.start(Number(process.env.PORT));
process.send?.('ready');
