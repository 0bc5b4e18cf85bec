import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import type { Plugin } from 'vite';
import { developmentPolicy } from './src-main/doors/csp';

/**
 * One build produces every door:
 *   out/main/index.js         Electron main process (desktop app)
 *   out/main/web.js           web mode: the same service over HTTP + SSE on 127.0.0.1
 *   out/main/cli.js           command line (train, eval, predict, generate, bench, runs, simulate)
 *   out/main/train-worker.js  worker thread that runs training / simulations off the main thread
 *   out/main/native-setup.js  run by `npm start` under Node: Electron's build of better-sqlite3, ABI check
 *   out/preload/index.cjs     the narrow typed window.api (CommonJS: sandboxed preloads require it)
 *   out/renderer/             the Svelte UI, loaded by Electron and served by web mode
 * Dependencies (tfjs, better-sqlite3, ...) stay external and load from node_modules at run time.
 */
const root = dirname(fileURLToPath(import.meta.url));

/** Dev server only: the index.html CSP meta tag relaxed as src-main/doors/csp.ts explains. */
const developmentCsp: Plugin = {
  name: 'dlrm-studio-development-csp',
  apply: 'serve',
  transformIndexHtml: (html) => html.replace(/(http-equiv="Content-Security-Policy"\s+content=")([^"]*)"/, (_m, head: string, policy: string) => `${head}${developmentPolicy(policy)}"`),
};

export default defineConfig({
  main: {
    build: {
      externalizeDeps: true,
      rollupOptions: {
        input: {
          index: resolve(root, 'src-main/doors/electron/main.ts'),
          web: resolve(root, 'src-main/doors/web/main.ts'),
          cli: resolve(root, 'src-main/doors/cli/main.ts'),
          'train-worker': resolve(root, 'src-main/engine/worker/main.ts'),
          'native-setup': resolve(root, 'src-main/native/setup-main.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      externalizeDeps: true,
      rollupOptions: {
        input: { index: resolve(root, 'src-main/doors/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    plugins: [svelte(), developmentCsp],
    build: {
      rollupOptions: { input: resolve(root, 'src-renderer/index.html') },
    },
  },
});
