import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import { WorkspaceState } from '/work/ws-persist/src/workspace/state.js';
import { openWorkspaceStore } from '/work/ws-persist/src/workspace/store.js';
const url = process.argv[2]!;
const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*ApiDown* firing on api-1' } }];
async function run(persist: boolean) {
  const store = persist ? await openWorkspaceStore({ client: new Redis(url), root: `prof${Math.random()}:workspace` }) : undefined;
  const state = new WorkspaceState({ teamId: 'T', appId: 'A', botUserId: 'UB', botId: 'B', botName: 'b', now: Date.now, events: new EventEmitter(), channels: [{ id: 'C1', name: 'x' }], ...(store ? { journal: store.journal } : {}) });
  const parent = state.addMessage({ channel: 'C1', user: 'UB', text: 'p', blocks });
  const cpu = process.cpuUsage();
  for (let n = 0; n < 3000; n++) {
    state.addMessage({ channel: 'C1', user: 'UB', text: `alert ${n}`, blocks, ...(n % 3 === 0 ? { threadTs: parent.ts } : {}) });
    await new Promise((r) => setImmediate(r));
  }
  await store?.flush();
  const { user, system } = process.cpuUsage(cpu);
  console.log(persist ? 'persisted' : 'memory', Math.round((user + system) / 3000), 'µs/msg');
  await store?.close();
}
for (let i = 0; i < 3; i++) { await run(false); await run(true); }
