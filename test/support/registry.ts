import { CAPABILITIES } from '../../src/capabilities.js';
import { buildCapability, type CapabilityDefinition } from '../../src/platform/capability.js';
import { Registry } from '../../src/platform/registry.js';
import type { Services } from '../../src/platform/services.js';

/**
 * The registry of the given capabilities, built without Redis or Slack: for tests of what is derived from the
 * declarations alone (help, Home, the manifest's usage hint). A builder that touches a service at build time fails
 * loudly here.
 */
export function registryOf(definitions: readonly CapabilityDefinition[] = CAPABILITIES): Registry {
  const services = new Proxy({} as Services, {
    get: (_target, name) => {
      if (name === 'slashCommand') return '/ops';
      return new Proxy(() => {}, {
        get: () => {
          throw new Error(`service ${String(name)} used at build time`);
        },
        apply: () => {
          throw new Error(`service ${String(name)} used at build time`);
        },
      });
    },
  });
  return new Registry(definitions.map((definition) => buildCapability(definition, services)));
}
