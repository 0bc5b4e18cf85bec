#!/usr/bin/env node
// `npm start`: builds, makes sure Electron has its own build of better-sqlite3 (fetched or built once,
// src-main/native) and that every native addon it will load matches Electron's ABI, then opens the
// desktop app. Where Electron cannot run (binary not downloaded, no display, no loadable native
// addon) it says so in one line and points to the fix or the web mode instead of a stack trace.
import { spawnSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function fail(message) {
  console.error(`DLRM Studio: ${message} Run the same app in your browser instead: npm run web`);
  process.exit(1);
}

let electronPath;
try {
  electronPath = require('electron');
} catch {
  fail('the Electron binary is not installed (offline install, or ELECTRON_SKIP_BINARY_DOWNLOAD was set).');
}
if (typeof electronPath !== 'string') fail('the Electron package did not give a binary path.');
if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  fail('no display was found (DISPLAY and WAYLAND_DISPLAY are unset).');
}

const build = spawnSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
  cwd: root,
  stdio: 'inherit',
});
if (build.status !== 0) process.exit(build.status ?? 1);

// Under Node: obtain Electron's better-sqlite3 build when missing or stale, then the ABI check.
// It prints its own one line (with the fix) and exits 1 when Electron could not load an addon.
const native = spawnSync(process.execPath, [join(root, 'out/main/native-setup.js')], { cwd: root, stdio: 'inherit' });
if (native.status !== 0) process.exit(native.status ?? 1);

const child = spawn(electronPath, [root], { cwd: root, stdio: 'inherit' });
child.on('error', (err) => fail(`Electron could not start (${err.message}).`));
child.on('exit', (code) => process.exit(code ?? 0));
