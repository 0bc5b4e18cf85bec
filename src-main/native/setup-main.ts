/**
 * Entry of out/main/native-setup.js, run under Node by `npm start` (scripts/start-desktop.mjs)
 * before it launches Electron, by `npm run rebuild:electron` (with --rebuild) and by `npm run dist`:
 * obtains Electron's build of better-sqlite3 when it is missing or stale, then checks every native
 * addon the Electron side will load. Prints one line; exit status 1 when Electron could not start.
 *
 *   node out/main/native-setup.js [--rebuild]
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageDirFrom } from './addons';
import { electronAbiFor } from './electron-abi';
import { failureReason, prepareElectronNative, type BuildTools, type Runner } from './electron-build';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const packageDir = packageDirFrom(join(projectRoot, 'package.json'));

function installedElectronVersion(): string | null {
  const dir = packageDir('electron');
  if (!dir) return null;
  const version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: unknown }).version;
  return typeof version === 'string' ? version : null;
}

function findTools(): BuildTools {
  const prebuildDir = packageDir('prebuild-install');
  const prebuildInstall = prebuildDir && existsSync(join(prebuildDir, 'bin.js')) ? join(prebuildDir, 'bin.js') : null;
  // npm puts its bundled node-gyp in $npm_config_node_gyp for every script it runs.
  const fromNpm = process.env['npm_config_node_gyp'];
  const gypDir = packageDir('node-gyp');
  const nodeGyp =
    fromNpm && existsSync(fromNpm) ? fromNpm : gypDir && existsSync(join(gypDir, 'bin', 'node-gyp.js')) ? join(gypDir, 'bin', 'node-gyp.js') : null;
  return { prebuildInstall, nodeGyp };
}

/** Runs a tool with its output shown indented (the progress), keeping the lines for the failure reason. */
const runShowingProgress: Runner = (command, args, cwd, env) =>
  new Promise((resolve) => {
    const lines: string[] = [];
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const show = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split(/\r?\n/)) {
        if (line.trim() === '') continue;
        lines.push(line);
        process.stderr.write(`    ${line}\n`);
      }
    };
    child.stdout.on('data', show);
    child.stderr.on('data', show);
    child.on('error', (error) => resolve({ ok: false, reason: error.message }));
    child.on('close', (code) => resolve({ ok: code === 0, reason: failureReason(lines) }));
  });

const result = await prepareElectronNative({
  projectRoot,
  electronVersion: installedElectronVersion(),
  abiFor: (version) => electronAbiFor(version),
  platform: process.platform,
  arch: process.arch,
  env: process.env,
  force: process.argv.includes('--rebuild'),
  packageDir,
  tools: findTools(),
  nodePath: process.execPath,
  run: runShowingProgress,
  log: (line) => console.log(line),
});
if (result.ok) {
  console.log(`DLRM Studio: ${result.line}`);
} else {
  console.error(`DLRM Studio cannot start the desktop app: ${result.line}`);
  process.exitCode = 1;
}
