import { defineConfig } from 'vitest/config';

// Benchmarks that print figures (never part of `npm test`): `npm run bench:sim`.
export default defineConfig({
  test: {
    include: ['src-main/**/bench.run.ts'],
    environment: 'node',
    testTimeout: 600_000,
  },
});
