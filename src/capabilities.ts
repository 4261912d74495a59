import { alerts } from './alerts/index.js';
import { audit } from './audit/index.js';
import { deploys } from './deploys/index.js';
import { flags } from './flags/index.js';
import { incidents } from './incidents/index.js';
import { ping } from './ping/index.js';
import type { CapabilityDefinition } from './platform/capability.js';
import { experiments } from './runbooks/experiments/index.js';
import { runbooks } from './runbooks/index.js';
import { status } from './status/index.js';

/**
 * Every capability, once. Adding one is a folder and a line here; help, the Home tab, routing, permissions, audit,
 * queues and webhooks all follow from its definition. Order is the order of help and Home.
 */
export const CAPABILITIES: readonly CapabilityDefinition[] = [
  // What is wrong and what changed first (health, alerts, incidents, deploys); the bot's own tools last.
  status,
  alerts,
  incidents,
  deploys,
  flags,
  runbooks,
  experiments,
  ping,
  audit,
];
