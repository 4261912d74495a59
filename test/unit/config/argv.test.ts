import { describe, expect, it } from 'vitest';
import { ArgvSchema, renderArgv, UnsafeArgvValue } from '../../../src/config/argv.js';

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

  it('refuses a value that starts with "-", naming the placeholder but not the value', () => {
    for (const version of ['--upload-pack=evil', '-rf']) {
      expect(() => renderArgv(['git', 'checkout', '{version}'], { version })).toThrow(UnsafeArgvValue);
      expect(() => renderArgv(['git', 'checkout', '{version}'], { version })).toThrow(
        '{version} must not start with "-": the command could take it for an option',
      );
    }
    expect(() => renderArgv(['./x', '--user={user}'], { user: '-U0X' })).toThrow(UnsafeArgvValue);
    expect(renderArgv(['./x', '{version}'], { version: '1.0-rc1' })).toEqual(['./x', '1.0-rc1']);
  });

  it('refuses to run with a placeholder that has no value', () => {
    expect(() => renderArgv(['./x', '{user}'], { service: 'api' })).toThrow('no value for placeholder {user}');
  });
});
