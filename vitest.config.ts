import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/waits.ts'],
    // Bounds on how long a failure takes to report, not speed checks (speed lives in `npm run bench`): many tests
    // start Opsdeck processes, which on two loaded cores can take most of the old 20 s before the test proper begins.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
