import { identifier, word } from '../../platform/grammar/index.js';

/** The arguments deploy commands share. */
export const service = identifier('service', { description: 'A service from ops.yml', example: 'api' });
export const environment = identifier('environment', {
  description: 'One of the service’s environments',
  example: 'production',
});
/** Any one word: the service's versionPattern (anchored) decides, and says what it expects. */
export const version = word('version', { description: 'Matches the service’s versionPattern', example: '1.4.2' });
