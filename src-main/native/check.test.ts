import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DAWN_NODE_ENV,
  electronNativeAddons,
  electronSqliteBinding,
  packageDirFrom,
  REBUILD_ELECTRON_COMMAND,
  type AddonSearch,
  type NativeAddon,
} from './addons';
import { findAddonProblems, problemsLine } from './check';

const require = createRequire(import.meta.url);
const nodeBuild = join(dirname(require.resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');
const electron39 = { name: 'Electron 39.8.10', abi: 140 };

const scratch = mkdtempSync(join(tmpdir(), 'native-check-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A file whose only registration symbol is `symbol` (what a linker leaves in .dynstr). */
function plantAddon(relative: string, symbol: string): string {
  const file = join(scratch, relative);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, Buffer.concat([Buffer.alloc(256, 0x7f), Buffer.from(`\0${symbol}\0`, 'latin1'), Buffer.alloc(256, 0)]));
  return file;
}

const sqlite = (file: string): NativeAddon => ({ name: 'better-sqlite3', file, fix: REBUILD_ELECTRON_COMMAND });

describe('the ABI check', () => {
  it("flags node_modules' Node build against Electron 39, with the fix, in one line", () => {
    const problems = findAddonProblems([sqlite(nodeBuild)], electron39);
    expect(problems).toEqual([{ addon: sqlite(nodeBuild), kind: 'wrong-abi', found: { kind: 'node-abi', abi: Number(process.versions.modules) } }]);
    const line = problemsLine(problems, electron39)!;
    expect(line).not.toContain('\n');
    if (process.versions.modules === '115') expect(line).toContain('is built for ABI 115 (Node 20), but Electron 39.8.10 needs ABI 140');
    expect(line.endsWith(`Fix: ${REBUILD_ELECTRON_COMMAND}`)).toBe(true);
  });

  it('passes the same binary for the runtime it was built for', () => {
    expect(findAddonProblems([sqlite(nodeBuild)], { name: 'Node', abi: Number(process.versions.modules) })).toEqual([]);
  });

  it('fails a planted wrong binding path as missing, naming the path and the fix', () => {
    const wrongPath = join(scratch, 'nowhere', 'better_sqlite3.node');
    const problems = findAddonProblems([sqlite(wrongPath)], electron39);
    expect(problems.map((p) => p.kind)).toEqual(['missing']);
    expect(problemsLine(problems, electron39)).toBe(
      `better-sqlite3's native addon for Electron 39.8.10 is missing (${wrongPath}); Electron 39.8.10 needs ABI 140. Fix: ${REBUILD_ELECTRON_COMMAND}`,
    );
  });

  it('passes Node-API addons, reports a non-addon and an unreadable path, and names the others after the first', () => {
    const napi = { name: 'webgpu', file: plantAddon('napi.node', 'napi_register_module_v1'), fix: 'npm ci' };
    const electronBuild = sqlite(plantAddon('e140.node', 'node_register_module_v140'));
    expect(findAddonProblems([napi, electronBuild], electron39)).toEqual([]);

    const text = { name: 'tfjs', file: join(scratch, 'text.node'), fix: 'npm ci' };
    writeFileSync(text.file, 'hello');
    const folder = { name: 'folder', file: scratch, fix: 'npm ci' };
    const problems = findAddonProblems([text, folder, sqlite(plantAddon('e139.node', 'node_register_module_v139'))], electron39);
    expect(problems.map((p) => p.kind)).toEqual(['wrong-abi', 'unreadable', 'wrong-abi']);
    expect(problemsLine(problems, electron39)).toBe(
      `tfjs's native addon ${text.file} is not a Node addon (no registration symbol in it). Fix: npm ci (also: folder, better-sqlite3)`,
    );
  });
});

describe('where the addons are', () => {
  it('loads the Electron build from the checkout (out/native/electron-v<ABI>-<platform>-<arch>) or the installed resources folder', () => {
    const place = { resourcesPath: '/opt/DLRM Studio/resources', appPath: '/home/u/dlrm-studio', abi: 140, platform: 'linux', arch: 'x64' };
    expect(electronSqliteBinding({ ...place, isPackaged: false })).toBe(join('/home/u/dlrm-studio', 'out', 'native', 'electron-v140-linux-x64', 'better_sqlite3.node'));
    expect(electronSqliteBinding({ ...place, isPackaged: true })).toBe(join('/opt/DLRM Studio/resources', 'native', 'better_sqlite3.node'));
  });

  it('lists webgpu (its platform folder, universal on macOS) and the installed tfjs-node bindings, and leaves absent ones out', () => {
    const webgpuDir = join(scratch, 'pkgs', 'webgpu');
    const linuxDawn = plantAddon('pkgs/webgpu/dist/linux-x64/dawn.node', 'napi_register_module_v1');
    const macDawn = plantAddon('pkgs/webgpu/dist/darwin-universal/dawn.node', 'napi_register_module_v1');
    const tfjsDir = join(scratch, 'pkgs', 'tfjs-node');
    const binding = plantAddon('pkgs/tfjs-node/lib/napi-v8/tfjs_binding.node', 'napi_register_module_v1');
    const dirs: Record<string, string> = { webgpu: webgpuDir, '@tensorflow/tfjs-node': tfjsDir };
    const search: AddonSearch = {
      sqliteBinding: '/x/better_sqlite3.node',
      sqliteFix: REBUILD_ELECTRON_COMMAND,
      packageDir: (name) => dirs[name] ?? null,
      env: {},
      platform: 'linux',
      arch: 'x64',
    };
    expect(electronNativeAddons(search).map((a) => [a.name, a.file])).toEqual([
      ['better-sqlite3', '/x/better_sqlite3.node'],
      ['webgpu', linuxDawn],
      ['@tensorflow/tfjs-node', binding],
    ]);
    expect(electronNativeAddons({ ...search, platform: 'darwin', arch: 'arm64' })[1]!.file).toBe(macDawn);
    // No build for this platform: webgpu cannot load here anyway, so there is nothing to check.
    expect(electronNativeAddons({ ...search, arch: 'riscv64' }).map((a) => a.name)).toEqual(['better-sqlite3', '@tensorflow/tfjs-node']);
    const override = plantAddon('custom/dawn.node', 'napi_register_module_v1');
    expect(electronNativeAddons({ ...search, env: { [DAWN_NODE_ENV]: override } })[1]).toEqual({
      name: `webgpu (${DAWN_NODE_ENV})`,
      file: override,
      fix: `unset ${DAWN_NODE_ENV}`,
    });
  });

  it('uses the same override variable as the engine, and finds real packages from a file URL', () => {
    // Read, not imported: native is a leaf that must not import the engine.
    const engineSource = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../engine/backend/webgpu.ts'), 'utf8');
    expect(engineSource).toContain(`export const DAWN_NODE_ENV = '${DAWN_NODE_ENV}';`);
    const packageDir = packageDirFrom(import.meta.url);
    expect(packageDir('better-sqlite3')).toBe(dirname(require.resolve('better-sqlite3/package.json')));
    expect(packageDir('no-such-package-here')).toBeNull();
  });
});
