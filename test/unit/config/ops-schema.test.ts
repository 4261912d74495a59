import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { opsJsonSchema } from '../../../src/catalog.js';
import { repoRoot } from '../../support/repo.js';

const committed = () => JSON.parse(readFileSync(join(repoRoot, 'ops.schema.json'), 'utf8')) as Record<string, unknown>;
const example = () => readFileSync(join(repoRoot, 'ops.example.yml'), 'utf8');

describe('ops.schema.json', () => {
  it('is what the composed zod schemas generate (run `npm run ops-schema` after changing one)', () => {
    expect(committed()).toEqual(JSON.parse(JSON.stringify(opsJsonSchema())));
  });

  it('accepts ops.example.yml and refuses a misspelt key, as an editor would show', () => {
    const validate = new Ajv({ strict: false, allErrors: true }).compile(committed());
    expect(validate(parse(example())), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ services: { api: { chekcs: {} } } })).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({
      keyword: 'additionalProperties',
      params: { additionalProperty: 'chekcs' },
    });
  });

  it('is named on ops.example.yml’s first line, for the YAML language server', () => {
    expect(example().split('\n')[0]).toBe('# yaml-language-server: $schema=./ops.schema.json');
  });
});
