import { defineConfig } from 'vitest/config';

// One root config, one project per environment (vuejs/core style).
// `pnpm test` runs every project whose name starts with "unit"; `pnpm test:e2e` runs real Chromium.
export default defineConfig({
  test: {
    // One temp directory per run, removed at its end (see the file for why).
    globalSetup: ['vitest.global-setup.ts'],
    projects: [
      {
        test: {
          name: 'unit:collector',
          environment: 'node',
          include: ['packages/collector/src/**/*.test.{ts,tsx}', 'packages/schema/src/**/*.test.ts', 'bench/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'unit:sdk',
          environment: 'happy-dom',
          include: ['packages/sdk/src/**/*.test.ts'],
          setupFiles: ['packages/sdk/src/test-setup.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['packages/*/e2e/**/*.test.ts', 'examples/*/e2e/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
