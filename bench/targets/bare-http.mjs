// The floor: node:http that only verifies Slack's signature (Opsdeck's own verifier, from dist) and answers 200.
import { createServer } from 'node:http';
import { verifySignature } from '../../dist/slack/signature.js';

const secret = process.env.SLACK_SIGNING_SECRET;
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const ok = verifySignature({
      secret,
      body: Buffer.concat(chunks),
      timestamp: req.headers['x-slack-request-timestamp'],
      signature: req.headers['x-slack-signature'],
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    res.writeHead(ok ? 200 : 401).end();
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
