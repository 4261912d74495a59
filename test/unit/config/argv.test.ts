import { describe, expect, it } from 'vitest';
import { ArgvSchema, renderArgv } from '../../../src/config/argv.js';

describe('ArgvSchema', () => {
  it('accepts a program and arguments with allowed placeholders', () => {
    const argv = ['./deploy.sh', '{service}', '--version={version}', '{environment}', '{runbook}', '{user}', ''];
    expect(ArgvSchema.parse(argv)).toEqual(argv);
  });

  it('leaves braces that are not placeholders alone', () => {
    expect(ArgvSchema.safeParse(['jq', '{"a": 1}', '{ service }', '{}']).success).toBe(true);
  });
});

describe('renderArgv', () => {
  it('substitutes each placeholder inside its own argument', () => {
    expect(
      renderArgv(['./deploy.sh', '{service}', '{version}', 'to={environment}'], {
        service: 'api',
        version: '1.2.3; rm -rf /',
        environment: 'prod',
      }),
    ).toEqual(['./deploy.sh', 'api', '1.2.3; rm -rf /', 'to=prod']);
  });

  it('refuses to run with a placeholder that has no value', () => {
    expect(() => renderArgv(['./x', '{user}'], { service: 'api' })).toThrow('no value for placeholder {user}');
  });
});
