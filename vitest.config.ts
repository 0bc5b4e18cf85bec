import { defineConfig } from 'vitest/config';

// Unit tests sit beside the source (src-main/**/*.test.ts); integration tests in test/ (not e2e).
export default defineConfig({
  test: {
    include: ['src-main/**/*.test.ts', 'src-renderer/src/**/*.test.ts', 'test/integration/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
