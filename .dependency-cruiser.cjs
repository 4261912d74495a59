/**
 * The import rules of src/, checked by `npm run deps` (and `npm run cycles`, the name CI calls) with
 * dependency-cruiser. Layers, outside in: the surface (Slack, HTTP and job runners, the composition root) → the
 * capabilities (one folder each) → the platform they are built on. test/unit/dependency-rules.test.ts shows each
 * rule failing on a file that breaks it.
 */
const PLATFORM_DIRS = ['platform', 'config', 'slack', 'redis', 'access', 'checks', 'approvals'];
const SURFACE_DIRS = ['bot', 'http', 'jobs'];
const OTHER_DIRS = [...PLATFORM_DIRS, ...SURFACE_DIRS, 'workspace'];

const platform = [`^src/(${PLATFORM_DIRS.join('|')})/`, '^src/(errors|log|metrics|lifecycle)\\.ts$'];
const surface = [`^src/(${SURFACE_DIRS.join('|')})/`, '^src/(main|runtime|capabilities|catalog|audit-export|check-config)\\.ts$'];
/** Every other folder of src/ is a capability: a new one needs no edit here. */
const capability = `^src/(?!(?:${OTHER_DIRS.join('|')})/)([^/]+)/`;

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'No import cycles, type-only imports included.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'platform-imports-platform',
      comment: 'The platform knows no capability and no surface: capabilities are handed to it, never imported.',
      severity: 'error',
      from: { path: platform },
      to: { path: [capability, ...surface, '^src/workspace/'] },
    },
    {
      name: 'capability-not-surface',
      comment: 'A capability declares; the surface (router, HTTP server, workers, composition root) calls it.',
      severity: 'error',
      from: { path: capability },
      to: { path: surface },
    },
    {
      name: 'capabilities-through-api',
      comment: 'A capability imports another only through that capability’s published interface, src/<name>/api.ts.',
      severity: 'error',
      from: { path: capability },
      to: { path: capability, pathNot: ['^src/$1/', '^src/[^/]+/api\\.ts$'] },
    },
    {
      name: 'product-not-workspace',
      comment: 'The local workspace is a development tool outside the image: the product never imports it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/workspace/' },
      to: { path: '^src/workspace/' },
    },
    {
      name: 'jobs-not-bot',
      comment: 'Job code runs in worker processes, which have no Bolt app: it never imports src/bot.',
      severity: 'error',
      from: { path: ['^src/jobs/', '^src/[^/]+/(jobs/|[^/]*-job\\.ts$|jobs\\.ts$|queues?\\.ts$)'] },
      to: { path: '^src/bot/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.d\\.ts$' },
  },
};
