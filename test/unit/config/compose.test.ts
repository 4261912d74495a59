import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { OPS_CONFIG } from '../../../src/catalog.js';
import { composeCatalogSchema, defineConfig, parseCatalogWith } from '../../../src/config/catalog.js';
import { type ConfigTree, checkRefProblems, rawServices } from '../../../src/config/catalog-refs.js';
import type { ConfigError } from '../../../src/config/errors.js';
import { defineCapability } from '../../../src/platform/capability.js';

/** A capability that does not exist: its own section, a field under each service, and a cross-check. */
const widgetsConfig = defineConfig({
  name: 'widgets',
  section: z.strictObject({ size: z.int().min(1).default(3) }).prefault({}),
  service: { widget: z.strictObject({ probe: z.string() }).optional() },
  refs: (raw: ConfigTree) =>
    rawServices(raw).flatMap(([service, definition]) =>
      typeof definition.widget === 'object' && definition.widget !== null
        ? checkRefProblems(raw, service, (definition.widget as ConfigTree).probe, [
            'services',
            service,
            'widget',
            'probe',
          ])
        : [],
    ),
});

const ops = composeCatalogSchema([...OPS_CONFIG.configs, widgetsConfig]);

function problemsOf(yaml: string): string[] {
  try {
    parseCatalogWith(ops, yaml, {});
  } catch (error) {
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('a capability owns its config', () => {
  it('adds its section and service fields to the composed schema, typed through its config', () => {
    const { catalog, warnings } = parseCatalogWith(
      ops,
      'widgets: { size: 5 }\nservices:\n  api:\n    checks: { http: { type: http, url: "http://127.0.0.1:1/" } }\n    widget: { probe: http }\n',
      {},
    );
    expect(warnings).toEqual([]);
    expect(widgetsConfig.of(catalog)).toEqual({ size: 5 });
    expect(widgetsConfig.serviceOf(catalog.services.api!).widget).toEqual({ probe: 'http' });
    expect(ops.sections).toContain('widgets');
  });

  it('reports its shape errors and cross-checks with path and line, in one pass', () => {
    const yaml = 'widgets:\n  size: 0\n  colour: red\nservices:\n  api:\n    widget: { probe: nope }\n';
    expect(problemsOf(yaml)).toEqual([
      'widgets.size: Too small: expected number to be >=1 (line 2)',
      'widgets.colour: unknown key (line 3)',
      'services.api.widget.probe: check "nope" is not defined in services.api.checks (line 6)',
    ]);
  });

  it('is an unknown section, skipped with a warning, while the capability is not in the list', () => {
    expect(parseCatalogWith(OPS_CONFIG, 'widgets: { size: 5 }\n', {}).warnings).toEqual([
      'unknown section "widgets" ignored (newer ops.yml?)',
    ]);
  });

  it('refuses two owners for one section or service field, naming both', () => {
    const clash = defineConfig({ name: 'other', service: { widget: z.string() } });
    expect(() => composeCatalogSchema([widgetsConfig, clash])).toThrow(
      'ops.yml services.<name>.widget is claimed by both widgets and other',
    );
    const shared = defineConfig({ name: 'roles', section: z.string() });
    expect(() => composeCatalogSchema([shared])).toThrow(
      'ops.yml roles is claimed by both roles and the shared schema',
    );
  });

  it('names its section after the capability', () => {
    expect(() =>
      defineCapability({ name: 'gadgets', title: 'Gadgets', config: widgetsConfig, uses: [], build: () => ({}) }),
    ).toThrow('capability gadgets declares the config of widgets');
  });
});
