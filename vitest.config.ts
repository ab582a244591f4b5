import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'],
    globalSetup: ['test/setup/docker-engine.ts', 'test/setup/chromium.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Real-engine tests share one dockerd; two cores do not gain from more workers.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
