// Sends a signed `/ops help` to the bot every 20 ms, as a user typing it would, from each { since } message (an
// epoch ms) to the next { stop }, then answers { acks: [{ sentAt, ms }] } over IPC (sentAt in ms after `since`).
// A process of its own: the bench process also fires the burst of `/ops run` and answers the worker's Slack calls,
// and an ack timed in that busy loop would count the bench's own queue as the bot's. Env: URL, SECRET (the signing
// secret), BODY (the command's form without its trigger_id).
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { signRequest } from '../../dist/slack/signature.js';

const { URL: url, SECRET: secret, BODY: body } = process.env;
// A new connection per request, as the Slack-compatible server sends them.
const agent = new Agent({ keepAlive: false });
let sent = 0;

function send() {
  const form = `${body}&trigger_id=${sent++}.${Date.now()}.${randomBytes(8).toString('hex')}`;
  const ts = Math.floor(Date.now() / 1000);
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': signRequest(secret, ts, form),
  };
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(performance.now() - started));
    });
    req.on('error', reject);
    req.end(form);
  });
}

let stopping = false;
async function sendUntilStopped(since) {
  const acks = [];
  while (!stopping) {
    const sentAt = Date.now() - since;
    acks.push({ sentAt, ms: await send() });
    await delay(20);
  }
  stopping = false;
  process.send({ acks });
}

process.on('message', (message) => {
  if (message.since !== undefined) void sendUntilStopped(message.since);
  if (message.stop) stopping = true;
});
process.send({ ready: true });
