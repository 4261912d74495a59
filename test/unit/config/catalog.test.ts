// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests are about ops.yml's ${VAR} syntax.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CatalogResult, loadCatalog, parseCatalog } from '../../../src/catalog.js';
import { ConfigError } from '../../../src/config/errors.js';
import { deploysConfig } from '../../../src/deploys/config.js';

/** Runs parseCatalog and returns the problems of the ConfigError it throws. */
function problemsOf(yamlText: string, env: Record<string, string | undefined> = {}): string[] {
  let result: CatalogResult;
  try {
    result = parseCatalog(yamlText, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error(`expected a ConfigError, got ${JSON.stringify(result)}`);
}

/** Problems with the ` (line N)` suffix removed, for assertions that are not about lines. */
const bare = (problems: string[]) => problems.map((problem) => problem.replace(/ \(line \d+\)$/, ''));

const VALID = `
slack:
  alertsChannel: C0ALERTS
  incidentsChannel: C0INCIDENTS
roles:
  responder: ["*"]
  deployer: [S0DEVS, U0ALICE]
  approver: [S0LEADS, U0BOB, W0GRID]
services:
  api:
    channel: C0API
    owners: [S0APITEAM]
    checks:
      http: { type: http, url: "http://127.0.0.1:8081/healthz", expect: { status: 200 }, timeout: 2s }
      port: { type: tcp, host: 127.0.0.1, port: 8081 }
      errors: { type: prometheus, url: "http://prom:9090", query: "up", expect: { op: ">=", value: 1 }, interval: 1m }
      smoke: { type: command, command: ["./smoke.sh", "{service}"], failuresBeforeAlert: 1 }
    deploy:
      provider: command
      command: ["./scripts/deploy.sh", "{service}", "{version}", "{environment}"]
      versionPattern: '^v?\\d+\\.\\d+\\.\\d+$'
      environments:
        staging: {}
        production: { approval: { from: approver }, verify: [http] }
`;

describe('parseCatalog', () => {
  it('parses a complete catalog with defaults filled in', () => {
    const { catalog, warnings } = parseCatalog(VALID, {});
    expect(warnings).toEqual([]);
    expect(catalog.slack).toEqual({
      alertsChannel: 'C0ALERTS',
      incidentsChannel: 'C0INCIDENTS',
      incidentChannelPrefix: 'inc',
    });
    expect(catalog.roles.approver).toEqual(['S0LEADS', 'U0BOB', 'W0GRID']);
    const api = catalog.services.api!;
    expect(api.checks.http).toEqual({
      type: 'http',
      url: 'http://127.0.0.1:8081/healthz',
      expect: { status: 200 },
      timeout: 2000,
      failuresBeforeAlert: 3,
      severity: 'warning',
    });
    expect(api.checks.port).toMatchObject({ type: 'tcp', host: '127.0.0.1', port: 8081, timeout: 5000 });
    expect(api.checks.errors).toMatchObject({ type: 'prometheus', interval: 60_000, expect: { op: '>=', value: 1 } });
    expect(api.checks.smoke).toMatchObject({ type: 'command', failuresBeforeAlert: 1, timeout: 10_000 });
    expect(deploysConfig.serviceOf(api).deploy).toMatchObject({
      provider: 'command',
      versionPattern: '^(?:^v?\\d+\\.\\d+\\.\\d+$)$',
      timeout: 15 * 60_000,
      environments: { staging: { verify: [] }, production: { approval: { from: 'approver' }, verify: ['http'] } },
    });
  });

  it.each([
    ['an empty file', ''],
    ['a file with only comments', '# nothing here yet\n'],
    ['empty sections', 'slack:\nroles:\nservices:\nalerts:\nincidents:\n'],
  ])('accepts %s', (_, text) => {
    expect(parseCatalog(text, {})).toEqual({
      catalog: {
        slack: { incidentChannelPrefix: 'inc' },
        roles: {},
        services: {},
        alerts: { routes: [], digestBacklog: 20, groupWait: 2000, relate: { by: ['service'], window: 600_000 } },
        runbooks: {},
        experiments: {},
      },
      warnings: [],
    });
  });

  it('gives a service without checks or deploy empty defaults', () => {
    const { catalog } = parseCatalog('services:\n  web:\n    description: The website\n', {});
    expect(catalog.services.web).toEqual({ description: 'The website', owners: [], checks: {}, runbooks: [] });
  });

  /** The versionPattern a command deploy ends up with, as a RegExp; `undefined` leaves the default. */
  const versionPattern = (source?: string) => {
    const option = source === undefined ? '' : `, versionPattern: ${JSON.stringify(source)}`;
    const yaml = `services:\n  api:\n    deploy: { provider: command, command: [./d.sh]${option}, environments: { prod: } }\n`;
    return new RegExp(deploysConfig.serviceOf(parseCatalog(yaml, {}).catalog.services.api!).deploy!.versionPattern);
  };

  it.each<[string, string | undefined, string[], string[]]>([
    [
      'the default: a version shape that cannot start with "-"',
      undefined,
      ['1.2.3', 'v2024.05.01-rc1+build.7'],
      ['--upload-pack=evil', '1.0 2.0'],
    ],
    ['an unanchored custom pattern, anchored', 'v[0-9.]+', ['v1.2.3'], ['--upload-pack=x v1', 'v1 --force']],
    ['every alternative of a pattern, anchored', '^v1|v2$', ['v1', 'v2'], ['v1; --evil', '--evil v2']],
  ])('versionPattern: %s', (_, source, accepted, refused) => {
    const pattern = versionPattern(source);
    for (const version of accepted) expect(pattern.test(version)).toBe(true);
    for (const version of refused) expect(pattern.test(version)).toBe(false);
  });

  it('hands secrets to commands through env maps, resolved from the environment', () => {
    const yaml = `
services:
  api:
    checks: { smoke: { type: command, command: [./smoke.sh], env: { API_KEY: "\${SMOKE_KEY}" } } }
    deploy: { provider: command, command: [./d.sh, "{version}"], env: { DEPLOY_TOKEN: "\${DEPLOY_TOKEN}", REGION: eu }, environments: { prod: } }
`;
    const { catalog } = parseCatalog(yaml, { SMOKE_KEY: 'smoke-secret', DEPLOY_TOKEN: 'deploy-secret' });
    expect(catalog.services.api!.checks.smoke).toMatchObject({ env: { API_KEY: 'smoke-secret' } });
    expect(deploysConfig.serviceOf(catalog.services.api!).deploy).toMatchObject({
      env: { DEPLOY_TOKEN: 'deploy-secret', REGION: 'eu' },
    });
  });

  it('refuses ${VAR} inside argv, pointing to env:, wherever a command is declared', () => {
    const yaml = `
services:
  api:
    checks: { smoke: { type: command, command: [./smoke.sh, "--key=\${SMOKE_KEY}"] } }
    deploy: { provider: command, command: [./d.sh, "\${DEPLOY_TOKEN}", "$\${version}"], environments: { prod: } }
`;
    const problems = bare(problemsOf(yaml, { SMOKE_KEY: 'smoke-secret', DEPLOY_TOKEN: 'deploy-secret' }));
    const advice = (name: string) =>
      `\${${name}} in argv would show in \`ps\`: pass it through \`env:\` (env: { ${name}: "\${${name}}" }) and let the command read it from its environment`;
    expect(problems).toEqual([
      `services.api.checks.smoke.command[1]: ${advice('SMOKE_KEY')}`,
      `services.api.deploy.command[1]: ${advice('DEPLOY_TOKEN')}`,
    ]);
  });

  it('parses webhook and github deploys', () => {
    const yaml = `
services:
  hooked:
    deploy: { provider: webhook, url: "https://deployer.example.com/hook", headers: { X-Token: abc }, environments: { prod: {} } }
  actions:
    deploy:
      provider: github
      repo: acme/api
      workflow: deploy.yml
      token: ghp_token
      apiUrl: http://127.0.0.1:9999
      environments: { prod: {} }
`;
    const { services } = parseCatalog(yaml, {}).catalog;
    expect(services.hooked!.deploy).toMatchObject({ provider: 'webhook', headers: { 'X-Token': 'abc' } });
    expect(services.actions!.deploy).toMatchObject({ provider: 'github', repo: 'acme/api', workflow: 'deploy.yml' });
  });

  it('supports anchors and merge keys', () => {
    const yaml = `
services:
  api:
    checks:
      a: &probe { type: http, url: "http://127.0.0.1:1/a", timeout: 1s }
      b: { <<: *probe, url: "http://127.0.0.1:1/b" }
`;
    expect(parseCatalog(yaml, {}).catalog.services.api!.checks.b).toMatchObject({
      url: 'http://127.0.0.1:1/b',
      timeout: 1000,
    });
  });
});

describe('parseCatalog problems', () => {
  it('names the path of an invalid value, with its line', () => {
    const yaml = 'services:\n  api:\n    checks:\n      http: { type: http, url: "not a url" }\n';
    expect(problemsOf(yaml)).toEqual([
      'services.api.checks.http.url: Invalid URL (expected http:// or https://) (line 4)',
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    const problems = problemsOf('roles:\n  admin: [U0ADMIN\nservices: {}\n');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatch(/^line \d+, column \d+: /);
  });

  it('reports duplicate keys as YAML errors', () => {
    expect(problemsOf('roles:\n  admin: []\n  admin: [U0ADMIN]\n')[0]).toMatch(/^line 3, column 3: .*unique/);
  });

  it('rejects a document that is not a mapping', () => {
    expect(problemsOf('- roles\n')).toEqual([
      '(root): must be a mapping of sections (slack, roles, services, alerts, incidents, flags, runbooks, experiments)',
    ]);
  });

  it('ignores an unknown top-level section with a warning', () => {
    const { catalog, warnings } = parseCatalog(
      'widgets:\n  new-checkout: { enabled: true }\nroles:\n  admin: [U0ADMIN]\n',
      {},
    );
    expect(warnings).toEqual(['unknown section "widgets" ignored (newer ops.yml?)']);
    expect(catalog).not.toHaveProperty('widgets');
    expect(catalog.roles).toEqual({ admin: ['U0ADMIN'] });
  });

  it.each([
    ['rolse', 'roles'],
    ['servics', 'services'],
    ['Slack', 'slack'],
    ['alert', 'alerts'],
  ])('refuses a misspelt section %s, naming %s', (typo, meant) => {
    const problems = bare(problemsOf(`${typo}:\n  admin: [U0ADMIN]\nslack: {}\n`));
    expect(problems).toEqual([`${typo}: \`${typo}\` is not a section; did you mean \`${meant}\`?`]);
  });

  it('keeps a section far from every known one a warning', () => {
    expect(parseCatalog('deploys:\n  x: 1\n', {}).warnings).toEqual([
      'unknown section "deploys" ignored (newer ops.yml?)',
    ]);
  });

  it('does not interpolate or validate an ignored section', () => {
    expect(parseCatalog('future:\n  token: ${NOT_SET}\n', {}).warnings).toHaveLength(1);
  });

  it('rejects an unknown key inside a known section', () => {
    const yaml = `
slack:
  alertChannel: C0ALERTS
services:
  api:
    chekcs: {}
    checks:
      http: { type: http, url: "http://127.0.0.1:1/", timout: 2s }
`;
    expect(bare(problemsOf(yaml))).toEqual([
      'slack.alertChannel: unknown key',
      'services.api.checks.http.timout: unknown key',
      'services.api.chekcs: unknown key',
    ]);
  });

  it('reports a missing required key as required, pointing at its parent', () => {
    expect(problemsOf('services:\n  db:\n    checks:\n      port: { type: tcp, host: db }\n')).toEqual([
      'services.db.checks.port.port: required (line 4)',
    ]);
  });

  it('reports an unknown check type and deploy provider', () => {
    const yaml = `
services:
  api:
    checks: { x: { type: ping } }
    deploy: { provider: ftp, environments: { prod: {} } }
`;
    expect(bare(problemsOf(yaml))).toEqual([
      'services.api.checks.x.type: must be one of http, tcp, prometheus, command, slo, redis',
      'services.api.deploy.provider: must be one of command, webhook, github',
    ]);
  });

  it('validates IDs and names', () => {
    const yaml = `
slack: { alertsChannel: alerts, incidentChannelPrefix: Inc }
roles: { Deployers: [U0A], approver: [alice, "U0B", "*"] }
services:
  API: {}
  web: { channel: "#web", owners: ["*"] }
`;
    expect(bare(problemsOf(yaml))).toEqual([
      'slack.alertsChannel: must be a Slack channel ID (C…, G… or D…)',
      'slack.incidentChannelPrefix: must be 1–20 lowercase letters, digits, "-" or "_"',
      'roles.Deployers: role names must be lowercase letters, digits, "-" and "_", starting with a letter',
      'roles.approver[0]: must be a Slack user ID (U…/W…), user-group ID (S…) or "*"',
      'services.API: service names must be lowercase letters, digits and "-", starting with a letter',
      'services.web.channel: must be a Slack channel ID (C…, G… or D…)',
      'services.web.owners[0]: must be a Slack user ID (U…/W…) or user-group ID (S…)',
    ]);
  });

  it('validates argv arrays and their placeholders', () => {
    const yaml = `
services:
  api:
    checks:
      a: { type: command, command: "./check.sh api" }
      b: { type: command, command: [] }
      c: { type: command, command: ["sh -c", "echo"] }
      d: { type: command, command: ["./x", "--env={environment}", "{host}", "{version}-{sha}"] }
      e: { type: command, command: ["./x", '{"json": true}', "{service}{user}{runbook}"] }
`;
    expect(bare(problemsOf(yaml))).toEqual([
      'services.api.checks.a.command: must be an argv array such as ["./deploy.sh", "{service}"] (no shell)',
      'services.api.checks.b.command: must not be empty',
      'services.api.checks.c.command[0]: must be a program name or path without spaces or placeholders (arguments go in separate elements)',
      'services.api.checks.d.command[2]: unknown placeholder {host} (allowed: {service}, {version}, {environment}, {runbook}, {user})',
      'services.api.checks.d.command[3]: unknown placeholder {sha} (allowed: {service}, {version}, {environment}, {runbook}, {user})',
    ]);
  });

  it('validates deploy settings', () => {
    const yaml = `
services:
  a: { deploy: { provider: command, command: [./d.sh], versionPattern: "(", environments: {} } }
  b: { deploy: { provider: github, repo: acme, workflow: deploy.yml, environments: { prod: {} } } }
  c: { deploy: { provider: webhook, url: "ftp://x", headers: { "Bad Header": x }, environments: { Prod: {} } } }
`;
    expect(bare(problemsOf(yaml))).toEqual([
      'services.a.deploy.versionPattern: must be a valid regular expression',
      'services.a.deploy.environments: must define at least one environment',
      'services.b.deploy.repo: must be "owner/name"',
      'services.b.deploy.token: required',
      'services.c.deploy.url: Invalid URL (expected http:// or https://)',
      'services.c.deploy.headers.Bad Header: must be an HTTP header name',
      'services.c.deploy.environments.Prod: environment names must be lowercase letters, digits, "-" and "_", starting with a letter',
    ]);
  });

  it('validates cross-references with their paths', () => {
    const yaml = `
roles: { approver: [U0BOB] }
services:
  api:
    checks: { http: { type: http, url: "http://127.0.0.1:1/" } }
    deploy:
      provider: command
      command: [./d.sh]
      environments:
        production: { approval: { from: approvers }, verify: [http, smoke] }
`;
    expect(bare(problemsOf(yaml))).toEqual([
      'services.api.deploy.environments.production.approval.from: role "approvers" is not defined in roles',
      'services.api.deploy.environments.production.verify[1]: check "smoke" is not defined in services.api.checks',
    ]);
  });

  it('reports shape errors and cross-reference errors in one pass', () => {
    const yaml = `
services:
  api:
    checks: { http: { type: http, url: nope } }
    deploy: { provider: command, command: [./d.sh], environments: { prod: { verify: [missing] } } }
`;
    expect(bare(problemsOf(yaml))).toEqual([
      'services.api.checks.http.url: Invalid URL (expected http:// or https://)',
      'services.api.deploy.environments.prod.verify[0]: check "missing" is not defined in services.api.checks',
    ]);
  });

  it('validates durations', () => {
    const yaml = `
services:
  api:
    checks:
      a: { type: tcp, host: h, port: 1, timeout: 2 seconds }
      b: { type: tcp, host: h, port: 1, timeout: 0 }
      c: { type: tcp, host: h, port: 1, interval: 500ms }
      d: { type: tcp, host: h, port: 1, timeout: 1500, interval: 1h30m }
`;
    expect(bare(problemsOf(yaml))).toEqual([
      'services.api.checks.a.timeout: must be a duration such as 500ms, 2s, 5m or 1h (or a number of ms)',
      'services.api.checks.b.timeout: must be at least 1ms',
      'services.api.checks.c.interval: must be at least 1s',
    ]);
  });
});

describe('parseCatalog interpolation', () => {
  const yaml = `
services:
  api:
    deploy:
      provider: webhook
      url: \${DEPLOY_URL}
      headers: { Authorization: "Bearer \${DEPLOY_TOKEN}" }
      environments: { prod: {} }
`;

  it('replaces ${VAR} from env before validation', () => {
    const { catalog } = parseCatalog(yaml, {
      DEPLOY_URL: 'https://deploy.example.com/hook',
      DEPLOY_TOKEN: 's3cr3t-token',
    });
    expect(catalog.services.api!.deploy).toMatchObject({
      url: 'https://deploy.example.com/hook',
      headers: { Authorization: 'Bearer s3cr3t-token' },
    });
  });

  it('names the path and the variable when one is missing, and nothing else at that path', () => {
    expect(problemsOf(yaml, { DEPLOY_TOKEN: 'x' })).toEqual([
      'services.api.deploy.url: environment variable DEPLOY_URL is not set (line 6)',
    ]);
  });

  it('reports every missing variable', () => {
    expect(bare(problemsOf(yaml, { DEPLOY_URL: '' }))).toEqual([
      'services.api.deploy.url: environment variable DEPLOY_URL is empty',
      'services.api.deploy.headers.Authorization: environment variable DEPLOY_TOKEN is not set',
    ]);
  });

  it('reads $${ as a literal ${', () => {
    const text = 'services:\n  api:\n    description: "costs $${AMOUNT} per ${UNIT}"\n';
    expect(parseCatalog(text, { UNIT: 'hour' }).catalog.services.api!.description).toBe('costs ${AMOUNT} per hour');
  });

  it('never quotes an interpolated value in a problem', () => {
    const secret = 'xoxb-super-secret-value';
    const text = `
slack: { alertsChannel: "\${CHANNEL}" }
roles: { approver: ["\${APPROVER}"] }
services:
  api:
    checks: { c: { type: command, command: [./x], env: { ARG: "\${ARG}" } } }
    deploy: { provider: command, command: [./d.sh], environments: { prod: { approval: { from: "\${ROLE}" } } } }
`;
    const placeholder = 'secretPlaceholderValue';
    const problems = problemsOf(text, { CHANNEL: secret, APPROVER: secret, ARG: placeholder, ROLE: secret });
    expect(bare(problems)).toEqual([
      'slack.alertsChannel: must be a Slack channel ID (C…, G… or D…)',
      'roles.approver[0]: must be a Slack user ID (U…/W…), user-group ID (S…) or "*"',
      'services.api.deploy.environments.prod.approval.from: role "[redacted]" is not defined in roles',
    ]);
    for (const problem of problems) {
      expect(problem).not.toContain(secret);
      expect(problem).not.toContain(placeholder);
    }
  });
});

describe('loadCatalog', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsdeck-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads and parses a file', async () => {
    const path = join(dir, 'ops.yml');
    writeFileSync(path, 'roles:\n  admin: [U0ADMIN]\n');
    expect((await loadCatalog(path, {})).catalog.roles).toEqual({ admin: ['U0ADMIN'] });
  });

  it('names OPS_CONFIG and the path when the file is missing', async () => {
    const path = join(dir, 'missing.yml');
    const error = await loadCatalog(path, {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([`OPS_CONFIG: file not found: ${path}`]);
  });

  it('names OPS_CONFIG when the path cannot be read', async () => {
    const error = await loadCatalog(dir, {}).catch((caught: unknown) => caught);
    expect((error as ConfigError).problems).toEqual([`OPS_CONFIG: cannot read ${dir} (EISDIR)`]);
  });
});

describe('names typed in Slack', () => {
  it('find own entries only: no object of the parsed catalog has a prototype', () => {
    const { catalog } = parseCatalog(VALID, {});
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(catalog.services[name]).toBeUndefined();
      expect(catalog.roles[name]).toBeUndefined();
      expect(catalog.services.api!.checks[name]).toBeUndefined();
      expect(deploysConfig.serviceOf(catalog.services.api!).deploy!.environments[name]).toBeUndefined();
    }
    const withPrototype: string[] = [];
    const walk = (value: unknown, path: string) => {
      if (Array.isArray(value)) {
        value.forEach((item, i) => {
          walk(item, `${path}[${i}]`);
        });
        return;
      }
      if (value === null || typeof value !== 'object') return;
      if (Object.getPrototypeOf(value) !== null) withPrototype.push(path);
      for (const [key, entry] of Object.entries(value)) walk(entry, `${path}.${key}`);
    };
    walk(catalog, 'catalog');
    expect(withPrototype).toEqual([]);
  });
});
