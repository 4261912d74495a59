import { describe, expect, it } from 'vitest';
import { parseCatalog } from '../../../src/catalog.js';

function problems(checks: string): string[] {
  try {
    parseCatalog(`services:\n  api:\n    checks:\n${checks}`, {});
  } catch (error) {
    return (error as { problems: string[] }).problems;
  }
  return [];
}

describe('check definitions in ops.yml', () => {
  it('load the new kinds with their defaults', () => {
    const { catalog } = parseCatalog(
      `services:
  api:
    checks:
      cache: { type: redis, url: "redis://127.0.0.1:6379" }
      availability: { type: slo, url: "http://prom:9090", objective: 99.9,
                      good: 'sum(rate(req_total{code!~"5.."}[$window]))', total: 'sum(rate(req_total[$window]))' }
      login: { type: http, method: POST, url: "http://127.0.0.1:8081/login", headers: { Authorization: "Bearer x" },
               expect: { status: 200, bodyContains: ok, bodyMatches: "^\\\\{" } }
`,
      {},
    );
    const checks = catalog.services.api!.checks;
    expect(checks.cache).toMatchObject({ type: 'redis', timeout: 5000, failuresBeforeAlert: 3, severity: 'warning' });
    expect(checks.availability).toMatchObject({ window: 30 * 86_400_000, burnRate: { fast: 14.4, slow: 6 } });
    expect(checks.login).toMatchObject({ method: 'POST', expect: { bodyMatches: '^\\{' } });
  });

  it('name the path of each bad definition', () => {
    expect(problems('      a: { type: htp, url: "http://x" }')[0]).toMatch(
      /^services\.api\.checks\.a\.type: must be one of http, tcp, prometheus, command, slo, redis/,
    );
    expect(problems('      a: { type: http, url: "http://x", timeout: soon }')[0]).toMatch(
      /^services\.api\.checks\.a\.timeout: must be a duration/,
    );
    expect(problems('      a: { type: http, url: "http://x", expect: { bodyMatches: "(" } }')[0]).toMatch(
      /^services\.api\.checks\.a\.expect\.bodyMatches: must be a valid regular expression/,
    );
    expect(problems('      a: { type: redis, url: "http://x" }')[0]).toMatch(
      /^services\.api\.checks\.a\.url: Invalid URL \(expected redis:\/\/ or rediss:\/\/\)/,
    );
    expect(problems('      a: { type: slo, url: "http://p", objective: 100, good: "g", total: "t[$window]" }')).toEqual(
      [
        expect.stringMatching(/^services\.api\.checks\.a\.good: must use \$window/),
        expect.stringMatching(/^services\.api\.checks\.a\.objective: /),
      ],
    );
    expect(
      problems('      a: { type: prometheus, url: "http://p", query: up, expect: { op: "!=", value: 1 } }')[0],
    ).toMatch(/^services\.api\.checks\.a\.expect\.op: must be one of < <= > >= ==/);
    expect(problems('      a: { type: tcp, host: h, port: 1, severity: "very bad" }')[0]).toMatch(
      /^services\.api\.checks\.a\.severity: must be a word/,
    );
  });

  it('name the path of bad JSON and TLS expectations', () => {
    expect(problems('      a: { type: http, url: "http://x", expect: { json: { path: "a..b" } } }')[0]).toMatch(
      /^services\.api\.checks\.a\.expect\.json\.path: must be a dotted path such as \$\.status/,
    );
    expect(problems('      a: { type: http, url: "http://x", expect: { certDaysLeft: 14 } }')[0]).toMatch(
      /^services\.api\.checks\.a\.expect\.certDaysLeft: needs an https:\/\/ url/,
    );
    expect(problems('      a: { type: http, url: "https://x", caFile: ca.pem, insecure: true }')[0]).toMatch(
      /^services\.api\.checks\.a\.insecure: cannot be combined with caFile/,
    );
    expect(
      problems(
        '      a: { type: http, url: "https://x", expect: { json: { path: $.ok, equals: true }, certDaysLeft: 14 } }',
      ),
    ).toEqual([]);
  });
});
