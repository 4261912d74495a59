import { type Route, type RouteRequest, route } from '../platform/capability.js';
import type { FlagsContext } from './context.js';
import { EvaluationRequestSchema, evaluateBulk, evaluateOne, OFREP_MAX_BODY, unparsable } from './ofrep.js';

/**
 * OFREP (`open-feature/protocol`'s service/openapi.yaml) and the flagd flag-definition file, on Opsdeck's port. The
 * bearer token of `flags.environments.<env>.token` selects the environment; the platform checks it (401) before
 * reading the body.
 */
export function flagRoutes(context: () => FlagsContext): Route<unknown>[] {
  const auth = {
    bearer: () =>
      Object.entries(context().settings.environments).map(([environment, { token }]) => ({
        token,
        selects: environment,
      })),
  };
  const environmentOf = (request: RouteRequest<unknown>) => request.selected!;
  return [
    route({
      method: 'POST',
      path: '/ofrep/v1/evaluate/flags/:key',
      auth,
      body: EvaluationRequestSchema,
      maxBodyBytes: OFREP_MAX_BODY,
      invalid: unparsable,
      handle: (request) => evaluateOne(context(), environmentOf(request), request.params.key!, request.body),
    }),
    route({
      method: 'POST',
      path: '/ofrep/v1/evaluate/flags',
      auth,
      body: EvaluationRequestSchema,
      maxBodyBytes: OFREP_MAX_BODY,
      invalid: unparsable,
      handle: (request) =>
        evaluateBulk(context(), environmentOf(request), request.body, request.headers['if-none-match']),
    }),
    route({
      method: 'GET',
      path: '/flagd/v1/:file',
      auth,
      async handle(request) {
        const environment = environmentOf(request);
        // The token selects the environment: asking for another one's file with it is forbidden, not a lookup.
        if (request.params.file !== `${environment}.json`) return { status: 403, body: { error: 'forbidden' } };
        const snapshot = await context().desk.store.snapshot(environment);
        return {
          status: 200,
          headers: { etag: `"${environment}-${snapshot.revision}"`, 'cache-control': 'no-cache' },
          body: snapshot.set,
        };
      },
    }),
  ] as Route<unknown>[];
}
