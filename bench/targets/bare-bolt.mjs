// Baseline: a bare Bolt app that only acks `/ops`. Same receiver (HTTPReceiver), same signature checks, same Web API
// base as Opsdeck, so the ratio measures what Opsdeck adds. Plain JS so it runs without a loader, as Opsdeck's dist does.
// It answers with the message in ACK_MESSAGE_FILE (the bench saves Opsdeck's own `/ops help` answer there), serialized
// per request as Opsdeck's is: a baseline answering `ok` would count writing 6.8 KB of help against Opsdeck.
import { readFileSync } from 'node:fs';
import bolt from '@slack/bolt';

const { App, HTTPReceiver, LogLevel } = bolt;
const message = process.env.ACK_MESSAGE_FILE
  ? JSON.parse(readFileSync(process.env.ACK_MESSAGE_FILE, 'utf8'))
  : { response_type: 'ephemeral', text: 'ok' };
const receiver = new HTTPReceiver({ signingSecret: process.env.SLACK_SIGNING_SECRET, logLevel: LogLevel.ERROR });
const app = new App({
  token: process.env.SLACK_BOT_TOKEN,
  receiver,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL },
  logLevel: LogLevel.ERROR,
});
app.command('/ops', async ({ ack }) => {
  await ack(message);
});
await app.start(Number(process.env.PORT));
process.send?.('ready');
