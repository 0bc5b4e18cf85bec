import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Unit tests sit beside the source (src-main/**/*.test.ts); integration tests in test/ (not e2e).
export default defineConfig({
  // Compiles the renderer's rune modules (*.svelte.ts state classes) for their tests; other files pass through.
  plugins: [svelte()],
  test: {
    include: ['src-main/**/*.test.ts', 'src-renderer/src/**/*.test.ts', 'test/integration/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
