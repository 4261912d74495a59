// The runbooks bench's baseline: the same runs of the same three steps (`true`, a GET of the slow target, `true`),
// CONCURRENCY at a time, in a plain loop — node's spawn (output piped, a process group of its own, as Opsdeck's runner
// starts a program) and fetch, nothing recorded, no queue, no Slack. What this machine does with the steps alone, so
// the bench can say what Opsdeck adds to them. Argv: target URL, runs, concurrency, rounds (one after another in this
// process, as Opsdeck's rounds run in its processes). Answers { ms: [one per round] } over IPC.
import { spawn } from 'node:child_process';

const [url, runs, concurrency, rounds] = [
  process.argv[2],
  Number(process.argv[3]),
  Number(process.argv[4]),
  Number(process.argv[5]),
];

const run = (argv) =>
  new Promise((resolve) =>
    spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true }).once('close', resolve),
  );

const ms = [];
for (let round = 0; round < rounds; round++) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < runs) {
        const i = next++;
        await run(['true']);
        await (await fetch(`${url}/svc-${i}`)).text();
        await run(['true']);
      }
    }),
  );
  ms.push(performance.now() - started);
}
process.send({ ms });
