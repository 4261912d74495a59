// The OFREP floor: node:http that reads the request body and answers one constant JSON evaluation.
import { createServer } from 'node:http';

const body = JSON.stringify({ key: 'bench-0', value: true, reason: 'STATIC', variant: 'on' });
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
