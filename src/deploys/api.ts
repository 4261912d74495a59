/**
 * What deploys offers other capabilities. Others import only this file from `src/deploys/`; everything else in the
 * folder may change without them noticing.
 */
export { deployableServices } from './config.js';
