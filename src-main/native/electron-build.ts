/**
 * What `npm start` (and `npm run rebuild:electron`, `npm run dist`) does about Electron's build of
 * better-sqlite3, as functions with their effects passed in, so the decisions are tested without a
 * network: which binary, whether to fetch it, how, and the message when it cannot.
 *
 * The build lives in `out/native/electron-v<ABI>-<platform>-<arch>/better_sqlite3.node`, never in
 * node_modules (whose Node build tests, web mode and the CLI keep using). When it is missing or not
 * loadable by the installed Electron, it is obtained once:
 *   1. better-sqlite3's prebuilt binary for the Electron runtime (prebuild-install, the package's own
 *      installer, run against a copy of its package.json in a staging folder so node_modules is not
 *      touched; it downloads from the package's GitHub releases);
 *   2. else a source build of a copy of the package with node-gyp against Electron's headers
 *      (downloaded from electronjs.org; needs Python 3 and a C++ compiler).
 * Either result is read back and used only if its ABI is the one Electron needs.
 */
import { copyFileSync, cpSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describeAddonAbi, loadsIn, readAddonAbi, type AddonAbi } from './abi';
import { checkoutSqliteBinding, electronNativeAddons, REBUILD_ELECTRON_COMMAND, SQLITE_ADDON_FILE } from './addons';
import { findAddonProblems, problemsLine } from './check';

/** The Electron whose ABI the build must match. */
export interface ElectronTarget {
  version: string;
  abi: number;
  platform: string;
  arch: string;
}

export type BuildStatus =
  | { state: 'ready'; file: string }
  | { state: 'missing'; file: string }
  /** Present but not loadable by the target (another ABI, or no registration symbol). */
  | { state: 'stale'; file: string; found: AddonAbi };

/** Whether the build at `file` is there and loadable by the target Electron. */
export function inspectElectronBuild(file: string, target: ElectronTarget, read: (file: string) => AddonAbi = readAddonAbi): BuildStatus {
  let found: AddonAbi;
  try {
    found = read(file);
  } catch {
    return { state: 'missing', file };
  }
  return loadsIn(found, target.abi) ? { state: 'ready', file } : { state: 'stale', file, found };
}

export type BuildPlan = { action: 'use'; file: string } | { action: 'obtain'; file: string; why: string };

/** Use the build that is there, or obtain it (missing, stale, or `force` from rebuild:electron). */
export function planElectronBuild(status: BuildStatus, force: boolean): BuildPlan {
  if (status.state === 'ready' && !force) return { action: 'use', file: status.file };
  const why =
    status.state === 'missing' ? 'not built yet' : status.state === 'stale' ? `the one there is built for ${describeAddonAbi(status.found)}` : 'rebuild requested';
  return { action: 'obtain', file: status.file, why };
}

/** Runs a program to completion; its output is progress for the user, `reason` (failureReason) says why it failed. */
export type Runner = (command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv) => Promise<{ ok: boolean; reason: string }>;

/**
 * The line of a tool's output that says why it failed: node-gyp's first `Error:` line with its
 * continuation lines (same prefix, not a stack frame), else the last line (prebuild-install ends
 * with its reason, e.g. "prebuild-install warn install getaddrinfo ENOTFOUND github.com").
 */
export function failureReason(lines: readonly string[]): string {
  const kept = lines.map((line) => line.trim()).filter((line) => line !== '');
  const start = kept.findIndex((line) => line.includes('Error:'));
  if (start < 0) return kept.at(-1) ?? 'no output';
  const prefix = /^(.*?ERR! stack )/.exec(kept[start]!)?.[1];
  let reason = kept[start]!;
  for (let i = start + 1; prefix !== undefined && i < kept.length; i++) {
    const line = kept[i]!;
    if (!line.startsWith(prefix) || /^at\s/.test(line.slice(prefix.length))) break;
    reason += ` ${line.slice(prefix.length)}`;
  }
  return reason;
}

/**
 * The environment for the tools: the user's, without a `nodedir` npm setting (`npm_config_nodedir`,
 * which npm exports to scripts): node-gyp would take that folder's Node headers over Electron's and
 * build for Node's ABI again.
 */
export function toolEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => key.toLowerCase() !== 'npm_config_nodedir'));
}

export interface BuildTools {
  /** prebuild-install's bin.js, or null when it is not installed. */
  prebuildInstall: string | null;
  /** node-gyp's bin/node-gyp.js (npm sets $npm_config_node_gyp), or null. */
  nodeGyp: string | null;
}

export interface ObtainOptions {
  target: ElectronTarget;
  /** Where the build goes (checkoutSqliteBinding). */
  destination: string;
  /** node_modules/better-sqlite3 (its package.json, binding.gyp, sources). */
  sqlitePackageDir: string;
  /** A scratch folder, emptied before each attempt and removed after success. */
  stagingDir: string;
  tools: BuildTools;
  /** The Node that runs the tools (process.execPath). */
  nodePath: string;
  /** The user's environment (proxy settings reach the tools through it). */
  env: NodeJS.ProcessEnv;
  run: Runner;
  log: (line: string) => void;
  read?: (file: string) => AddonAbi;
}

export type ObtainResult = { ok: true; file: string; via: 'prebuilt' | 'source' } | { ok: false; message: string };

/** Electron's header tarballs, for node-gyp (Electron's "Using native Node modules" guide). */
export const ELECTRON_HEADERS_URL = 'https://electronjs.org/headers';

function freshFolder(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}

/** Reads the built binary; returns null when it is the right ABI, else the reason it is unusable. */
function unusableReason(file: string, target: ElectronTarget, read: (file: string) => AddonAbi): string | null {
  const status = inspectElectronBuild(file, target, read);
  if (status.state === 'ready') return null;
  if (status.state === 'missing') return 'it produced no better_sqlite3.node';
  return `it produced a binary built for ${describeAddonAbi(status.found)}, not ABI ${target.abi}`;
}

function install(built: string, destination: string): void {
  mkdirSync(dirname(destination), { recursive: true });
  const partial = `${destination}.partial`;
  copyFileSync(built, partial);
  renameSync(partial, destination);
}

/** Fetches (else builds) better-sqlite3 for the target Electron into `destination`. */
export async function obtainElectronBuild(options: ObtainOptions): Promise<ObtainResult> {
  const { target, tools, run, log } = options;
  const read = options.read ?? readAddonAbi;
  const builtIn = (dir: string): string => join(dir, 'build', 'Release', SQLITE_ADDON_FILE);
  const electron = `Electron ${target.version} (ABI ${target.abi}, ${target.platform}-${target.arch})`;
  const env = toolEnvironment(options.env);

  let prebuiltReason: string;
  if (!tools.prebuildInstall) {
    prebuiltReason = 'prebuild-install is not installed';
  } else {
    log(`Downloading better-sqlite3's prebuilt binary for ${electron}...`);
    const staging = join(options.stagingDir, 'prebuilt');
    freshFolder(staging);
    copyFileSync(join(options.sqlitePackageDir, 'package.json'), join(staging, 'package.json'));
    const args = [tools.prebuildInstall, '--runtime=electron', `--target=${target.version}`, `--arch=${target.arch}`, `--platform=${target.platform}`, '--verbose'];
    const result = await run(options.nodePath, args, staging, env);
    const unusable = result.ok ? unusableReason(builtIn(staging), target, read) : `download failed: ${result.reason}`;
    if (unusable === null) {
      install(builtIn(staging), options.destination);
      rmSync(options.stagingDir, { recursive: true, force: true });
      return { ok: true, file: options.destination, via: 'prebuilt' };
    }
    prebuiltReason = `no prebuilt binary (${unusable})`;
  }

  let sourceReason: string;
  if (!tools.nodeGyp) {
    sourceReason = 'node-gyp was not found (run through npm, which provides it)';
  } else {
    log(`${prebuiltReason}; building it from source against ${electron}'s headers (needs Python 3 and a C++ compiler; a few minutes)...`);
    const staging = join(options.stagingDir, 'source');
    freshFolder(staging);
    // A copy of the package without its Node build, so node_modules keeps the Node binary.
    cpSync(options.sqlitePackageDir, staging, {
      recursive: true,
      filter: (source) => {
        const rel = source.slice(options.sqlitePackageDir.length).replace(/^[\\/]/, '');
        return !/^(build|node_modules)([\\/]|$)/.test(rel);
      },
    });
    const args = [
      tools.nodeGyp,
      'rebuild',
      '--release',
      `--target=${target.version}`,
      `--arch=${target.arch}`,
      `--dist-url=${ELECTRON_HEADERS_URL}`,
      '--runtime=electron',
    ];
    const result = await run(options.nodePath, args, staging, env);
    const unusable = result.ok ? unusableReason(builtIn(staging), target, read) : `node-gyp failed: ${result.reason}`;
    if (unusable === null) {
      install(builtIn(staging), options.destination);
      rmSync(options.stagingDir, { recursive: true, force: true });
      return { ok: true, file: options.destination, via: 'source' };
    }
    sourceReason = `the source build failed (${unusable})`;
  }

  rmSync(options.stagingDir, { recursive: true, force: true });
  return {
    ok: false,
    message:
      `could not get better-sqlite3 for ${electron}: ${prebuiltReason}, and ${sourceReason}. ` +
      `With network access (and Python 3 and a C++ compiler for a source build) run: ${REBUILD_ELECTRON_COMMAND}. ` +
      `Meanwhile the same app runs in your browser: npm run web`,
  };
}

export interface PrepareOptions {
  projectRoot: string;
  /** The installed electron package's version, or null when it is not installed. */
  electronVersion: string | null;
  /** electronAbiFor from ./electron-abi. */
  abiFor: (version: string) => number | null;
  platform: string;
  arch: string;
  env: NodeJS.ProcessEnv;
  /** Obtain the build even when the one there is usable (`npm run rebuild:electron`). */
  force: boolean;
  packageDir: (name: string) => string | null;
  tools: BuildTools;
  nodePath: string;
  run: Runner;
  log: (line: string) => void;
  read?: (file: string) => AddonAbi;
}

export type PrepareResult = { ok: true; line: string; obtained: boolean } | { ok: false; line: string };

/**
 * `npm start`'s native step: make sure Electron's build of better-sqlite3 is there (obtaining it
 * once when it is missing or stale), then check every addon the Electron side will load against
 * Electron's ABI. Returns the one line to print.
 */
export async function prepareElectronNative(options: PrepareOptions): Promise<PrepareResult> {
  const read = options.read ?? readAddonAbi;
  if (!options.electronVersion) {
    return { ok: false, line: 'the electron package is not installed. Fix: npm install' };
  }
  const abi = options.abiFor(options.electronVersion);
  if (abi === null) {
    return {
      ok: false,
      line: `the native-addon ABI of Electron ${options.electronVersion} is unknown to node-abi. Fix: npm install --save-dev node-abi@latest`,
    };
  }
  const target: ElectronTarget = { version: options.electronVersion, abi, platform: options.platform, arch: options.arch };
  const sqliteDir = options.packageDir('better-sqlite3');
  if (!sqliteDir) return { ok: false, line: 'better-sqlite3 is not installed. Fix: npm install' };

  const destination = checkoutSqliteBinding(options.projectRoot, abi, options.platform, options.arch);
  const plan = planElectronBuild(inspectElectronBuild(destination, target, read), options.force);
  let obtained = false;
  if (plan.action === 'obtain') {
    options.log(`DLRM Studio: Electron ${target.version} needs its own build of better-sqlite3 (${plan.why}); getting it once.`);
    const result = await obtainElectronBuild({
      target,
      destination,
      sqlitePackageDir: sqliteDir,
      stagingDir: join(dirname(dirname(destination)), '.staging'),
      tools: options.tools,
      nodePath: options.nodePath,
      env: options.env,
      run: options.run,
      log: options.log,
      read,
    });
    if (!result.ok) return { ok: false, line: result.message };
    options.log(`DLRM Studio: better-sqlite3 for Electron ${target.version} is ready (${result.via === 'prebuilt' ? 'prebuilt binary' : 'built from source'}): ${result.file}`);
    obtained = true;
  }

  const runtime = { name: `Electron ${target.version}`, abi };
  const addons = electronNativeAddons({
    sqliteBinding: destination,
    sqliteFix: REBUILD_ELECTRON_COMMAND,
    packageDir: options.packageDir,
    env: options.env,
    platform: options.platform,
    arch: options.arch,
  });
  const problem = problemsLine(findAddonProblems(addons, runtime, read), runtime);
  if (problem) return { ok: false, line: problem };
  const names = addons.map((addon) => addon.name).join(', ');
  return { ok: true, line: `native addons ready for Electron ${target.version} (ABI ${abi}): ${names}`, obtained };
}
