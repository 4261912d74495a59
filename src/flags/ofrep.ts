import { z } from 'zod';
import {
  type Evaluation,
  type EvaluationContext,
  type Evaluator,
  etagOf,
  evaluateAll,
  evaluateFlag,
} from './evaluator.js';
import type { FlagMetrics } from './metrics.js';

/** What an OFREP handler answers; the platform's route response has this shape. */
export interface OfrepResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** Bodies are small JSON contexts; 64 KiB is far above any real one and bounds the work one request can ask for. */
export const OFREP_MAX_BODY = 64 * 1024;
const MAX_CONTEXT_KEYS = 200;
const MAX_DEPTH = 8;
const MAX_TARGETING_KEY = 256;

/** The request body as OFREP defines it (`{ "context": { "targetingKey": …, … } }`); checked further by `contextOf`. */
export const EvaluationRequestSchema = z.unknown();

type Problem = { errorCode: 'PARSE_ERROR' | 'INVALID_CONTEXT'; errorDetails: string };

/** The evaluation context of a request body, or the OFREP error that refuses it. */
export function contextOf(body: unknown): { context: EvaluationContext } | Problem {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { errorCode: 'PARSE_ERROR', errorDetails: 'The body must be a JSON object: {"context": {…}}' };
  }
  const raw = (body as Record<string, unknown>).context;
  if (raw === undefined) return { context: {} };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { errorCode: 'INVALID_CONTEXT', errorDetails: 'context must be an object' };
  }
  const context = raw as Record<string, unknown>;
  const keys = Object.keys(context);
  if (keys.length > MAX_CONTEXT_KEYS) {
    return { errorCode: 'INVALID_CONTEXT', errorDetails: `context has more than ${MAX_CONTEXT_KEYS} properties` };
  }
  // flagd reserves `$flagd.*` for what it injects (the flag key bucketing hashes): a caller may not set it.
  if (keys.some((key) => key.startsWith('$flagd'))) {
    return { errorCode: 'INVALID_CONTEXT', errorDetails: 'context properties starting with $flagd are reserved' };
  }
  if ('targetingKey' in context) {
    const targetingKey = context.targetingKey;
    if (typeof targetingKey !== 'string' || targetingKey.length > MAX_TARGETING_KEY) {
      return {
        errorCode: 'INVALID_CONTEXT',
        errorDetails: `targetingKey must be a string of at most ${MAX_TARGETING_KEY} characters`,
      };
    }
  }
  if (depthOf(context) > MAX_DEPTH) {
    return { errorCode: 'INVALID_CONTEXT', errorDetails: `context is nested deeper than ${MAX_DEPTH} levels` };
  }
  return { context: context as EvaluationContext };
}

function depthOf(value: unknown, depth = 0): number {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return depth;
  let deepest = depth + 1;
  for (const child of Object.values(value)) deepest = Math.max(deepest, depthOf(child, depth + 1));
  return deepest;
}

export interface OfrepDeps {
  evaluator: Evaluator;
  /** Known flag keys become metric labels; unknown ones count as one label. */
  metrics: FlagMetrics;
}

function count(deps: OfrepDeps, environment: string, evaluation: Evaluation): void {
  const known = !('errorCode' in evaluation && evaluation.errorCode === 'FLAG_NOT_FOUND');
  const reason = 'errorCode' in evaluation ? evaluation.errorCode : evaluation.reason;
  deps.metrics.evaluations.inc({ flag: known ? evaluation.key : '(not found)', environment, reason });
}

/** `POST /ofrep/v1/evaluate/flags/{key}` for the environment the bearer token selected. */
export async function evaluateOne(
  deps: OfrepDeps,
  environment: string,
  key: string,
  body: unknown,
): Promise<OfrepResponse> {
  const parsed = contextOf(body);
  if ('errorCode' in parsed) return { status: 400, body: { key, ...parsed } };
  const loaded = await deps.evaluator.environment(environment);
  const evaluation = evaluateFlag(loaded, key, parsed.context);
  count(deps, environment, evaluation);
  if (!('errorCode' in evaluation)) return { status: 200, body: evaluation };
  return { status: evaluation.errorCode === 'FLAG_NOT_FOUND' ? 404 : 400, body: evaluation };
}

/** `POST /ofrep/v1/evaluate/flags`: every flag, with an ETag; 304 when `If-None-Match` still holds. */
export async function evaluateBulk(
  deps: OfrepDeps,
  environment: string,
  body: unknown,
  ifNoneMatch: string | undefined,
): Promise<OfrepResponse> {
  const parsed = contextOf(body);
  if ('errorCode' in parsed) return { status: 400, body: parsed };
  const loaded = await deps.evaluator.environment(environment);
  const etag = etagOf(environment, loaded.revision, parsed.context);
  if (ifNoneMatch?.split(',').some((tag) => tag.trim() === etag)) {
    return { status: 304, headers: { etag } };
  }
  const flags = evaluateAll(loaded, parsed.context);
  for (const evaluation of flags) count(deps, environment, evaluation);
  return {
    status: 200,
    headers: { etag, 'cache-control': 'no-cache' },
    body: { flags, metadata: { version: String(loaded.revision) } },
  };
}

/** The body was not JSON at all. */
export function unparsable(): OfrepResponse {
  return { status: 400, body: { errorCode: 'PARSE_ERROR', errorDetails: 'The body is not JSON' } };
}
