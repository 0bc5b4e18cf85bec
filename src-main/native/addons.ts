/**
 * Every native addon the Electron side loads (the main process and the engine worker threads it
 * starts), and where each one's binary is.
 *
 * - better-sqlite3 (main process: the store). Built against one runtime's headers, so Electron gets
 *   its own build, kept apart from node_modules' Node build (which tests, web mode and the CLI use):
 *   `out/native/electron-v<ABI>-<platform>-<arch>/better_sqlite3.node` in a checkout,
 *   `<resources>/native/better_sqlite3.node` in an installed app. The Electron door hands that path
 *   to better-sqlite3's `nativeBinding` option.
 * - webgpu's dawn.node (worker threads, and the main process when it probes for an adapter):
 *   Node-API, loads in both runtimes. `DLRM_DAWN_NODE` can name another file (engine/backend).
 * - @tensorflow/tfjs-node and -gpu (worker threads, optional): Node-API builds under their `lib/`.
 * The engine loads nothing else native (its other backends are JavaScript and WebAssembly); the
 * worker threads never open the database.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** File name of better-sqlite3's addon. */
export const SQLITE_ADDON_FILE = 'better_sqlite3.node';
/** Folder, under `out/` in a checkout and under the resources folder in an installed app, holding Electron's builds. */
export const NATIVE_FOLDER = 'native';
/** The command that fetches or builds better-sqlite3 for the installed Electron. */
export const REBUILD_ELECTRON_COMMAND = 'npm run rebuild:electron';
/** Environment variable naming a dawn.node to load instead of the webgpu package's (engine/backend/webgpu.ts). */
export const DAWN_NODE_ENV = 'DLRM_DAWN_NODE';

/** `electron-v140-linux-x64`: one folder per Electron ABI, platform and CPU, so a stale build is never picked up. */
export function electronBuildFolder(abi: number, platform: string, arch: string): string {
  return `electron-v${abi}-${platform}-${arch}`;
}

/** `<project>/out/native/electron-v<ABI>-<platform>-<arch>/better_sqlite3.node`. */
export function checkoutSqliteBinding(projectRoot: string, abi: number, platform: string, arch: string): string {
  return join(projectRoot, 'out', NATIVE_FOLDER, electronBuildFolder(abi, platform, arch), SQLITE_ADDON_FILE);
}

/** `<resources>/native/better_sqlite3.node`: where the installers put the Electron build (electron-builder extraResources). */
export function packagedSqliteBinding(resourcesPath: string): string {
  return join(resourcesPath, NATIVE_FOLDER, SQLITE_ADDON_FILE);
}

export interface ElectronRuntimePlace {
  /** Electron's app.isPackaged. */
  isPackaged: boolean;
  /** process.resourcesPath (the installed app's resources folder). */
  resourcesPath: string;
  /** app.getAppPath(): the project root when started from a checkout (`electron .`). */
  appPath: string;
  /** The running Electron's NODE_MODULE_VERSION (process.versions.modules). */
  abi: number;
  platform: string;
  arch: string;
}

/** The better-sqlite3 binary the Electron door loads, installed or from a checkout. */
export function electronSqliteBinding(place: ElectronRuntimePlace): string {
  return place.isPackaged
    ? packagedSqliteBinding(place.resourcesPath)
    : checkoutSqliteBinding(place.appPath, place.abi, place.platform, place.arch);
}

/** One native addon binary that will be loaded. */
export interface NativeAddon {
  /** The package that loads it. */
  name: string;
  /** Absolute path of the binary. */
  file: string;
  /** What a user runs (or does) when it is missing or built for another runtime. */
  fix: string;
}

export interface AddonSearch {
  /** better-sqlite3's binary for this runtime (electronSqliteBinding or checkoutSqliteBinding). */
  sqliteBinding: string;
  /** The fix for a missing or mismatched better-sqlite3 build (REBUILD_ELECTRON_COMMAND in a checkout). */
  sqliteFix: string;
  /** A package's folder, or null when it is not installed. */
  packageDir: (name: string) => string | null;
  env: NodeJS.ProcessEnv;
  platform: string;
  arch: string;
}

/** The folder of an installed package as resolved from `fromFile` (a path or file URL), or null. */
export function packageDirFrom(fromFile: string): (name: string) => string | null {
  const requireFrom = createRequire(fromFile);
  // Node's node_modules lookup folders, searched by hand: `require.resolve('<name>/package.json')`
  // fails for packages whose "exports" do not list it.
  return (name) => {
    for (const base of requireFrom.resolve.paths(name) ?? []) {
      if (existsSync(join(base, name, 'package.json'))) return join(base, name);
    }
    return null;
  };
}

/** Every `.node` file under a folder (recursively), sorted. */
function nodeFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...nodeFilesUnder(path));
    else if (entry.name.endsWith('.node')) found.push(path);
  }
  return found.sort();
}

const OPTIONAL_TFJS_NODE = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

/** Every package with a native addon that the Electron side may load: what electronNativeAddons covers. */
export const ELECTRON_ADDON_PACKAGES: readonly string[] = ['better-sqlite3', 'webgpu', ...OPTIONAL_TFJS_NODE];

/**
 * The native addons the Electron side will load: better-sqlite3 always (its binary may be missing:
 * the check reports that), webgpu's dawn.node when present, the tfjs-node packages' bindings when
 * installed. An optional package whose binary is absent is left out: the engine then does without it.
 */
export function electronNativeAddons(search: AddonSearch): NativeAddon[] {
  const addons: NativeAddon[] = [{ name: 'better-sqlite3', file: search.sqliteBinding, fix: search.sqliteFix }];

  const dawnOverride = search.env[DAWN_NODE_ENV];
  const webgpuDir = search.packageDir('webgpu');
  // The webgpu package's own choice of binary (its index.js): macOS has one universal build.
  const dawnFile = dawnOverride
    ? dawnOverride
    : webgpuDir && join(webgpuDir, 'dist', `${search.platform}-${search.platform === 'darwin' ? 'universal' : search.arch}`, 'dawn.node');
  if (dawnFile && existsSync(dawnFile)) {
    addons.push({ name: dawnOverride ? `webgpu (${DAWN_NODE_ENV})` : 'webgpu', file: dawnFile, fix: dawnOverride ? `unset ${DAWN_NODE_ENV}` : 'npm ci' });
  }

  for (const name of OPTIONAL_TFJS_NODE) {
    const dir = search.packageDir(name);
    if (!dir) continue;
    for (const file of nodeFilesUnder(join(dir, 'lib'))) {
      addons.push({ name, file, fix: `npm uninstall ${name} (optional: training then uses the next backend)` });
    }
  }
  return addons;
}
