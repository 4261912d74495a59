import { z } from 'zod';
import { describeFetchError } from './http-check.js';

/** Prometheus's answer to `GET /api/v1/query` (an instant query), as far as checks read it. */
const QueryResponse = z.object({
  status: z.enum(['success', 'error']),
  error: z.string().optional(),
  data: z
    .object({
      resultType: z.string(),
      result: z.unknown(),
    })
    .optional(),
});

const VectorResult = z.array(
  z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) }),
);
const ScalarResult = z.tuple([z.number(), z.string()]);

/**
 * Runs an instant PromQL query and returns its sample values (a vector's samples, or a scalar as one value). Queries
 * that are compared with each other pass the same `at` (ms), so a scrape landing between them cannot skew the ratio.
 * @throws Error saying what went wrong in words: unreachable, an HTTP error, a body that is not JSON, a PromQL error
 */
export async function promQuery(baseUrl: string, query: string, signal: AbortSignal, at?: number): Promise<number[]> {
  const url = new URL('api/v1/query', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  url.searchParams.set('query', query);
  if (at !== undefined) url.searchParams.set('time', (at / 1000).toFixed(3));
  const response = await fetch(url, { signal, headers: { accept: 'application/json' } }).catch((error: unknown) => {
    throw new Error(`Prometheus: ${describeFetchError(error)}`);
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`Prometheus answered ${response.status} with a body that is not JSON`);
  }
  const parsed = QueryResponse.safeParse(json);
  if (!parsed.success) throw new Error(`Prometheus answered ${response.status} with an unexpected body`);
  if (parsed.data.status === 'error') throw new Error(`Prometheus: ${parsed.data.error ?? `HTTP ${response.status}`}`);
  const data = parsed.data.data;
  if (data?.resultType === 'vector') {
    const samples = VectorResult.safeParse(data.result);
    if (samples.success) return samples.data.map((sample) => Number(sample.value[1]));
  }
  if (data?.resultType === 'scalar') {
    const scalar = ScalarResult.safeParse(data.result);
    if (scalar.success) return [Number(scalar.data[1])];
  }
  throw new Error(`Prometheus returned a ${data?.resultType ?? 'missing'} result; checks need a vector or scalar`);
}
