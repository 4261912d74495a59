import { describe, expect, it } from 'vitest';
import { banner } from '../../../src/workspace/local/banner.js';
import { formatLogLine } from '../../../src/workspace/local/pretty-log.js';

describe('the local-mode banner', () => {
  it('puts the URL to open on a line of its own, between blank lines, with the rest below', () => {
    const text = banner({
      workspaceUrl: 'http://127.0.0.1:3001',
      opsdeckUrl: 'http://127.0.0.1:3000',
      redis: 'private redis-server on port 40000, data in .opsdeck/redis',
    });
    const lines = text.split('\n');
    const open = lines.indexOf('  Open http://127.0.0.1:3001 in a browser');
    expect(lines[open - 1]).toBe('');
    expect(lines[open + 1]).toBe('');
    expect(text).toContain('  Opsdeck       http://127.0.0.1:3000\n');
    expect(text).toContain('  Stop          Ctrl+C\n');
    expect(text).not.toContain('Demo service');
    expect(text).not.toContain('Demo panel');
    expect(text).toContain('  Tour          README.md, "Ten-minute tour"\n');
  });

  it('says where the Demo panel is, and what it does, when the page has one', () => {
    const text = banner({
      workspaceUrl: 'http://127.0.0.1:3001',
      opsdeckUrl: 'http://127.0.0.1:3000',
      redis: 'private redis-server on port 40000, data in .opsdeck/redis',
      demoServiceUrl: 'http://127.0.0.1:8081',
      demoPanel: true,
    });
    expect(text).toMatch(/\n {2}Demo {10}the Demo panel on the page: break, heal or slow the demo API, send alerts/);
  });
});

describe('pretty log lines (local mode at a terminal)', () => {
  const time = new Date(2026, 0, 2, 14, 2, 7).getTime();

  it('shows time, level, module, message and the details, without pid and hostname', () => {
    const json = JSON.stringify({
      level: 40,
      time,
      pid: 1,
      hostname: 'vm',
      name: 'opsdeck',
      module: 'jobs',
      msg: 'job failed',
      queue: 'ping',
      attempt: 2,
    });
    expect(formatLogLine(json, false)).toBe('14:02:07  WARN   jobs  job failed  queue=ping attempt=2\n');
  });

  it("indents an error's stack below the line", () => {
    const json = JSON.stringify({ level: 50, time, msg: 'boom', err: { message: 'x', stack: 'Error: x\n    at f' } });
    expect(formatLogLine(json, false)).toBe('14:02:07  ERROR  boom\n    Error: x\n        at f\n');
  });

  it('passes a line that is not JSON through', () => {
    expect(formatLogLine('plain text', false)).toBe('plain text\n');
  });
});
