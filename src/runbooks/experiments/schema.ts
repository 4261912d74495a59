/**
 * Chaos Toolkit's experiment format (https://chaostoolkit.org/reference/api/experiment/), the part Opsdeck runs: a
 * `steady-state-hypothesis` of probes with tolerances, a `method` of actions and probes, `rollbacks`, `pauses`, and
 * the `process` and `http` providers. Keys Opsdeck does not use (tags, contributions, extensions, controls…) are
 * kept and ignored, so an experiment written for `chaos run` loads as written; a `python` provider is refused with a
 * message saying so, since Opsdeck does not run Python modules.
 */
import { z } from 'zod';

const seconds = z.number({ error: 'must be a number of seconds' }).min(0).max(86_400);

const ProcessProviderSchema = z.looseObject({
  type: z.literal('process'),
  /** The program: a name found on the PATH, or a path. */
  path: z.string().min(1, { error: 'a process activity must have a path' }),
  /**
   * A list is passed as argv; a string is split on white space (Chaos Toolkit hands it to a shell: Opsdeck never
   * does, so pipes and redirections are not available); a mapping becomes `key value` pairs, as Chaos Toolkit does.
   */
  arguments: z
    .union([z.string(), z.array(z.union([z.string(), z.number()])), z.record(z.string(), z.unknown())])
    .optional(),
  timeout: seconds.optional(),
});

const HttpProviderSchema = z.looseObject({
  type: z.literal('http'),
  /** An http(s) URL once `${configuration}` values are filled in (checked then). */
  url: z.string().min(1, { error: 'a HTTP activity must have a URL' }),
  method: z
    .string()
    .regex(/^[A-Za-z]+$/)
    .default('GET'),
  headers: z.record(z.string(), z.string(), { error: 'a HTTP activity expects headers as a mapping' }).optional(),
  /** Query parameters for GET, a form body otherwise (as Chaos Toolkit sends them). */
  arguments: z.record(z.string(), z.unknown()).optional(),
  timeout: z.union([seconds, z.tuple([seconds, seconds])]).optional(),
  verify_tls: z.boolean().optional(),
  /** Statuses that count as success outside the hypothesis (Chaos Toolkit's own runner fails on none by default). */
  expected_status: z.union([z.int(), z.array(z.int())]).optional(),
});

const ProviderSchema = z.discriminatedUnion('type', [ProcessProviderSchema, HttpProviderSchema], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? 'provider type must be "process" or "http" (Opsdeck does not run "python" providers)'
      : undefined,
});

/** Chaos Toolkit's tolerances: a value, a list (two numbers = a range, else one of), or a typed mapping. */
export const ToleranceSchema = z.union([
  z.boolean(),
  z.number(),
  z.string(),
  z.array(z.union([z.number(), z.string(), z.boolean()])),
  z.looseObject({ type: z.literal('range'), range: z.tuple([z.number(), z.number()]), target: z.string().optional() }),
  z.looseObject({ type: z.literal('regex'), pattern: z.string(), target: z.string().optional() }),
  z.looseObject({
    type: z.literal('jsonpath'),
    path: z.string().min(1),
    expect: z.unknown().optional(),
    count: z.int().optional(),
    target: z.string().optional(),
  }),
]);

const ActivitySchema = z.looseObject({
  type: z.enum(['probe', 'action'], { error: 'an activity type is "probe" or "action"' }),
  name: z.string().min(1, { error: 'an activity must have a name' }),
  provider: ProviderSchema,
  pauses: z.looseObject({ before: seconds.optional(), after: seconds.optional() }).optional(),
  background: z.boolean().optional(),
  tolerance: ToleranceSchema.optional(),
  timeout: seconds.optional(),
});

/** `{ "ref": "<name>" }`: an activity declared earlier in the experiment, run again. */
const RefSchema = z.looseObject({ ref: z.string().min(1, { error: 'a reference must be a non-empty name' }) });

const StepSchema = z.union([RefSchema, ActivitySchema]);

export const ExperimentSchema = z
  .looseObject({
    version: z.string().optional(),
    title: z.string().min(1, { error: 'an experiment requires a title' }),
    description: z.string().min(1, { error: 'an experiment requires a description' }),
    tags: z.array(z.string().min(1, { error: 'tags must be non-empty strings' })).optional(),
    /** Literal values only (`${name}` in strings is replaced); `env` entries read the environment Opsdeck runs in. */
    configuration: z.record(z.string(), z.unknown()).optional(),
    'steady-state-hypothesis': z
      .looseObject({
        title: z.string().min(1, { error: 'a hypothesis requires a title' }),
        probes: z
          .array(
            ActivitySchema.refine((a) => a.tolerance !== undefined, {
              error: 'a hypothesis probe must have a tolerance',
            }),
          )
          .default([]),
      })
      .optional(),
    method: z.array(StepSchema, { error: 'an experiment requires a method (it may be empty)' }),
    rollbacks: z.array(StepSchema).default([]),
  })
  .superRefine((experiment, ctx) => {
    const declared = new Set<string>();
    const all = [
      ...(experiment['steady-state-hypothesis']?.probes ?? []),
      ...experiment.method,
      ...experiment.rollbacks,
    ];
    for (const step of all) if ('name' in step && typeof step.name === 'string') declared.add(step.name);
    for (const [list, steps] of [
      ['method', experiment.method],
      ['rollbacks', experiment.rollbacks],
    ] as const) {
      steps.forEach((step, index) => {
        if ('ref' in step && typeof step.ref === 'string' && !('provider' in step) && !declared.has(step.ref)) {
          ctx.addIssue({
            code: 'custom',
            path: [list, index, 'ref'],
            message: `referenced activity "${step.ref}" is not in the experiment`,
          });
        }
      });
    }
  });

export type Experiment = z.output<typeof ExperimentSchema>;
export type Activity = z.output<typeof ActivitySchema>;
export type Tolerance = z.output<typeof ToleranceSchema>;
export type ExperimentStep = z.output<typeof StepSchema>;
