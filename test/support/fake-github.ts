import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const fixture = (name: string) => JSON.parse(readFileSync(`test/fixtures/github/${name}`, 'utf8'));

export interface FakeGithub {
  url: string;
  /** The workflow_dispatch bodies received, in order. */
  dispatches: Array<{
    workflow: string;
    body: { ref: string; inputs: Record<string, string>; return_run_details?: boolean };
  }>;
  /** Run ids cancelled. */
  cancelled: number[];
  /** `204`: answer dispatches as before API version 2026-03-10 without run details, so the run must be found. */
  mode: '200' | '204';
  /** Polls of a run before it completes, and its conclusion. */
  pollsUntilDone: number;
  conclusion: string;
  close(): Promise<void>;
}

/**
 * A small GitHub Actions API built from test/fixtures/github (GitHub's published OpenAPI description and its
 * examples): dispatch (200 with run details, or 204), list a workflow's runs, get a run, cancel a run, and the
 * repository's default branch. It checks the bearer token and the dispatch body's shape (ref required, ≤25 string
 * inputs) as GitHub does.
 */
export async function startFakeGithub(token: string): Promise<FakeGithub> {
  const runTemplate = fixture('workflow-run.json');
  const runs = new Map<number, { polls: number; created: string }>();
  let nextRun = 1000;
  const fake: FakeGithub = {
    url: '',
    dispatches: [],
    cancelled: [],
    mode: '200',
    pollsUntilDone: 2,
    conclusion: 'success',
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const runJson = (id: number) => {
    const run = runs.get(id)!;
    const done = run.polls >= fake.pollsUntilDone || fake.cancelled.includes(id);
    return {
      ...runTemplate,
      id,
      event: 'workflow_dispatch',
      created_at: run.created,
      status: done ? 'completed' : 'in_progress',
      conclusion: done ? (fake.cancelled.includes(id) ? 'cancelled' : fake.conclusion) : null,
      html_url: `https://github.com/acme/api/actions/runs/${id}`,
    };
  };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      const send = (status: number, body?: unknown): void => {
        res
          .writeHead(status, { 'content-type': 'application/json' })
          .end(body === undefined ? '' : JSON.stringify(body));
      };
      if (req.headers.authorization !== `Bearer ${token}`) return send(401, { message: 'Bad credentials' });
      const url = new URL(req.url!, 'http://github');
      const path = url.pathname;
      const dispatch = /^\/repos\/acme\/api\/actions\/workflows\/([^/]+)\/dispatches$/.exec(path);
      const getRun = /^\/repos\/acme\/api\/actions\/runs\/(\d+)$/.exec(path);
      const cancel = /^\/repos\/acme\/api\/actions\/runs\/(\d+)\/cancel$/.exec(path);
      if (req.method === 'GET' && path === '/repos/acme/api') return send(200, { default_branch: 'main' });
      if (req.method === 'POST' && dispatch) {
        const body = JSON.parse(raw || '{}');
        const inputs = Object.entries(body.inputs ?? {});
        if (typeof body.ref !== 'string' || inputs.length > 25 || inputs.some(([, v]) => typeof v !== 'string')) {
          return send(422, { message: 'Invalid request' });
        }
        fake.dispatches.push({ workflow: decodeURIComponent(dispatch[1]!), body });
        const id = nextRun++;
        runs.set(id, { polls: 0, created: new Date().toISOString() });
        if (fake.mode === '204' || !body.return_run_details) return send(204);
        const example = fixture('workflow-dispatch-response-200.json');
        return send(200, {
          ...example,
          workflow_run_id: id,
          run_url: example.run_url.replace(/\/1$/, `/${id}`),
          html_url: `https://github.com/acme/api/actions/runs/${id}`,
        });
      }
      if (req.method === 'GET' && /^\/repos\/acme\/api\/actions\/workflows\/[^/]+\/runs$/.test(path)) {
        const list = fixture('workflow-runs-list.json');
        const all = [...runs.keys()].reverse().map(runJson);
        return send(200, { ...list, total_count: all.length, workflow_runs: all });
      }
      if (req.method === 'GET' && getRun) {
        const id = Number(getRun[1]);
        const run = runs.get(id);
        if (!run) return send(404, { message: 'Not Found' });
        run.polls++;
        return send(200, runJson(id));
      }
      if (req.method === 'POST' && cancel) {
        fake.cancelled.push(Number(cancel[1]));
        return send(202, {});
      }
      send(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
