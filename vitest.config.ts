import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    // Expected faults (killed workers, a restarted database) make the Temporal worker log retries; keep errors only.
    env: { TEMPORAL_LOG_LEVEL: 'ERROR' },
  },
});
