import { defineConfig } from 'vitest/config';

// Browser tests: Playwright (playwright-core) drives Debian's chromium against the built web mode.
// They need `npm run build` first (scripts/test-all.mjs does it) and run one file at a time.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    environment: 'node',
    testTimeout: 300_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
