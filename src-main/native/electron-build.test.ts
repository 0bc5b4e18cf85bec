/**
 * `npm start`'s native step with the network and the compilers replaced by stubs: which binary it
 * uses, when it fetches, how it falls back, and what it says when it cannot. Real files in a
 * scratch folder; the stubs write the binaries the real tools would.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readAddonAbi } from './abi';
import { checkoutSqliteBinding, DAWN_NODE_ENV } from './addons';
import { failureReason, inspectElectronBuild, planElectronBuild, prepareElectronNative, type PrepareOptions, type Runner } from './electron-build';

let scratch: string;
let projectRoot: string;
let sqliteDir: string;
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'electron-build-'));
  projectRoot = join(scratch, 'project');
  // A stand-in for node_modules/better-sqlite3: package.json, sources, and its Node build.
  sqliteDir = join(projectRoot, 'node_modules', 'better-sqlite3');
  mkdirSync(join(sqliteDir, 'src'), { recursive: true });
  writeFileSync(join(sqliteDir, 'package.json'), JSON.stringify({ name: 'better-sqlite3', version: '12.11.1' }));
  writeFileSync(join(sqliteDir, 'binding.gyp'), '{}');
  writeFileSync(join(sqliteDir, 'src', 'better_sqlite3.cpp'), '// sources');
  plant(join(sqliteDir, 'build', 'Release', 'better_sqlite3.node'), 115);
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

/** Writes a binary whose registration symbol says `abi` (what node-gyp or a prebuilt tarball gives). */
function plant(file: string, abi: number | 'napi'): string {
  mkdirSync(dirname(file), { recursive: true });
  const symbol = abi === 'napi' ? 'napi_register_module_v1' : `node_register_module_v${abi}`;
  writeFileSync(file, Buffer.concat([Buffer.alloc(128, 1), Buffer.from(`\0${symbol}\0`, 'latin1')]));
  return file;
}

interface Call {
  tool: 'prebuild-install' | 'node-gyp';
  args: readonly string[];
  cwd: string;
  /** The staging folder's top-level entries when the tool ran. */
  entries: string[];
  env: NodeJS.ProcessEnv;
}

/** A runner standing in for prebuild-install and node-gyp: each writes the given ABI (or fails). */
function stubTools(outcome: { prebuilt: number | 'fail'; source: number | 'fail' }): { run: Runner; calls: Call[] } {
  const calls: Call[] = [];
  const run: Runner = async (_command, args, cwd, env) => {
    const tool = args[0]!.includes('prebuild') ? 'prebuild-install' : 'node-gyp';
    calls.push({ tool, args, cwd, entries: readdirSync(cwd).sort(), env });
    const result = tool === 'prebuild-install' ? outcome.prebuilt : outcome.source;
    if (result === 'fail') return { ok: false, reason: tool === 'prebuild-install' ? 'prebuild-install warn install getaddrinfo ENOTFOUND github.com' : 'gyp ERR! stack Error: connect ENETUNREACH' };
    plant(join(cwd, 'build', 'Release', 'better_sqlite3.node'), result);
    return { ok: true, reason: '' };
  };
  return { run, calls };
}

function options(run: Runner, overrides: Partial<PrepareOptions> = {}): PrepareOptions {
  return {
    projectRoot,
    electronVersion: '39.8.10',
    abiFor: (version) => (version.startsWith('39.') ? 140 : null),
    platform: 'linux',
    arch: 'x64',
    env: {},
    force: false,
    packageDir: (name) => (name === 'better-sqlite3' ? sqliteDir : null),
    tools: { prebuildInstall: '/npm/prebuild-install/bin.js', nodeGyp: '/npm/node-gyp/bin/node-gyp.js' },
    nodePath: '/usr/bin/node',
    run,
    log: () => undefined,
    ...overrides,
  };
}

const target = { version: '39.8.10', abi: 140, platform: 'linux', arch: 'x64' };

describe('planElectronBuild', () => {
  it('uses a loadable build, obtains a missing or stale one, and obtains again when forced', () => {
    const file = join(scratch, 'b.node');
    expect(planElectronBuild(inspectElectronBuild(file, target), false)).toEqual({ action: 'obtain', file, why: 'not built yet' });
    plant(file, 115);
    expect(planElectronBuild(inspectElectronBuild(file, target), false)).toEqual({ action: 'obtain', file, why: 'the one there is built for ABI 115' });
    plant(file, 140);
    expect(planElectronBuild(inspectElectronBuild(file, target), false)).toEqual({ action: 'use', file });
    expect(planElectronBuild(inspectElectronBuild(file, target), true)).toEqual({ action: 'obtain', file, why: 'rebuild requested' });
  });
});

describe('prepareElectronNative', () => {
  const destination = (): string => checkoutSqliteBinding(projectRoot, 140, 'linux', 'x64');

  it('fetches the prebuilt binary once, in a staging copy, leaving the Node build in node_modules alone', async () => {
    const tools = stubTools({ prebuilt: 140, source: 'fail' });
    const lines: string[] = [];
    const first = await prepareElectronNative(options(tools.run, { log: (line) => lines.push(line) }));
    expect(first).toEqual({ ok: true, obtained: true, line: 'native addons ready for Electron 39.8.10 (ABI 140): better-sqlite3' });
    expect(tools.calls).toHaveLength(1);
    const [call] = tools.calls;
    expect(call!.tool).toBe('prebuild-install');
    expect(call!.args.slice(1)).toEqual(['--runtime=electron', '--target=39.8.10', '--arch=x64', '--platform=linux', '--verbose']);
    expect(call!.entries).toEqual(['package.json']);
    expect(call!.cwd.startsWith(join(projectRoot, 'out', 'native'))).toBe(true);
    expect(readAddonAbi(destination())).toEqual({ kind: 'node-abi', abi: 140 });
    expect(readAddonAbi(join(sqliteDir, 'build', 'Release', 'better_sqlite3.node'))).toEqual({ kind: 'node-abi', abi: 115 });
    expect(existsSync(join(projectRoot, 'out', 'native', '.staging'))).toBe(false);
    expect(lines.some((line) => line.includes('getting it once'))).toBe(true);

    // The next start finds it and runs nothing.
    const second = await prepareElectronNative(options(tools.run));
    expect(second).toEqual({ ok: true, obtained: false, line: first.line });
    expect(tools.calls).toHaveLength(1);
  });

  it('replaces a stale build (another ABI), and obtains again when forced', async () => {
    plant(destination(), 115);
    const tools = stubTools({ prebuilt: 140, source: 'fail' });
    expect((await prepareElectronNative(options(tools.run))).ok).toBe(true);
    expect(tools.calls).toHaveLength(1);
    expect(readAddonAbi(destination())).toEqual({ kind: 'node-abi', abi: 140 });
    expect((await prepareElectronNative(options(tools.run, { force: true }))).ok).toBe(true);
    expect(tools.calls).toHaveLength(2);
  });

  it("builds from source against Electron's headers when the prebuilt binary is for the wrong ABI", async () => {
    const tools = stubTools({ prebuilt: 115, source: 140 });
    // An npm `nodedir` setting would make node-gyp use Node's headers: it is not passed on.
    const env = { HTTPS_PROXY: 'http://proxy:3128', npm_config_nodedir: '/usr' };
    const result = await prepareElectronNative(options(tools.run, { env }));
    expect(result.ok).toBe(true);
    expect(tools.calls.map((c) => c.tool)).toEqual(['prebuild-install', 'node-gyp']);
    const gyp = tools.calls[1]!;
    expect(gyp.args).toEqual([
      '/npm/node-gyp/bin/node-gyp.js',
      'rebuild',
      '--release',
      '--target=39.8.10',
      '--arch=x64',
      '--dist-url=https://electronjs.org/headers',
      '--runtime=electron',
    ]);
    // A copy of the package without its Node build.
    expect(gyp.entries).toEqual(['binding.gyp', 'package.json', 'src']);
    expect(gyp.env).toEqual({ HTTPS_PROXY: 'http://proxy:3128' });
    expect(readAddonAbi(destination())).toEqual({ kind: 'node-abi', abi: 140 });
  });

  it('says in one line what failed and the command that fixes it when neither way works (offline)', async () => {
    const tools = stubTools({ prebuilt: 'fail', source: 'fail' });
    const result = await prepareElectronNative(options(tools.run));
    expect(result.ok).toBe(false);
    expect(result.line).not.toContain('\n');
    expect(result.line).toBe(
      'could not get better-sqlite3 for Electron 39.8.10 (ABI 140, linux-x64): no prebuilt binary (download failed: prebuild-install warn install getaddrinfo ENOTFOUND github.com), ' +
        'and the source build failed (node-gyp failed: gyp ERR! stack Error: connect ENETUNREACH). ' +
        'With network access (and Python 3 and a C++ compiler for a source build) run: npm run rebuild:electron. Meanwhile the same app runs in your browser: npm run web',
    );
    expect(existsSync(destination())).toBe(false);
  });

  it('says which tool is missing when it cannot even try', async () => {
    const tools = stubTools({ prebuilt: 140, source: 140 });
    const result = await prepareElectronNative(options(tools.run, { tools: { prebuildInstall: null, nodeGyp: null } }));
    expect(tools.calls).toEqual([]);
    expect(result.ok).toBe(false);
    expect(result.line).toContain('prebuild-install is not installed, and node-gyp was not found');
  });

  it('refuses to launch when another addon Electron will load is built for the wrong ABI', async () => {
    plant(destination(), 140);
    const dawn = plant(join(scratch, 'custom', 'dawn.node'), 115);
    const result = await prepareElectronNative(options(stubTools({ prebuilt: 140, source: 140 }).run, { env: { [DAWN_NODE_ENV]: dawn } }));
    expect(result).toEqual({
      ok: false,
      line: `webgpu (${DAWN_NODE_ENV})'s native addon ${dawn} is built for ABI 115 (Node 20), but Electron 39.8.10 needs ABI 140. Fix: unset ${DAWN_NODE_ENV}`,
    });
  });

  it('points to npm install when electron or better-sqlite3 is missing, and to node-abi for an unknown Electron', async () => {
    const run = stubTools({ prebuilt: 140, source: 140 }).run;
    expect(await prepareElectronNative(options(run, { electronVersion: null }))).toEqual({ ok: false, line: 'the electron package is not installed. Fix: npm install' });
    expect(await prepareElectronNative(options(run, { packageDir: () => null }))).toEqual({ ok: false, line: 'better-sqlite3 is not installed. Fix: npm install' });
    expect(await prepareElectronNative(options(run, { electronVersion: '99.0.0' }))).toEqual({
      ok: false,
      line: 'the native-addon ABI of Electron 99.0.0 is unknown to node-abi. Fix: npm install --save-dev node-abi@latest',
    });
  });
});

describe('failureReason', () => {
  it("takes node-gyp's Error line with its continuation, else the last line", () => {
    // node-gyp 12.4's output offline, as seen here (stack frames and trailer shortened).
    const gyp = [
      'gyp info using node-gyp@12.4.0',
      'gyp http GET https://electronjs.org/headers/v39.8.10/node-v39.8.10-headers.tar.gz',
      'gyp WARN install got an error, rolling back install',
      'gyp ERR! configure error ',
      'gyp ERR! stack Error: This is most likely not a problem with node-gyp or the package itself and',
      'gyp ERR! stack is related to network connectivity. In most cases you are behind a proxy or have bad',
      'gyp ERR! stack network settings.',
      'gyp ERR! stack at go (/usr/lib/node_modules/npm/node_modules/node-gyp/lib/install.js:244:21)',
      'gyp ERR! System Linux 6.18.44',
      'gyp ERR! not ok ',
    ];
    expect(failureReason(gyp)).toBe(
      'gyp ERR! stack Error: This is most likely not a problem with node-gyp or the package itself and is related to network connectivity. In most cases you are behind a proxy or have bad network settings.',
    );
    expect(failureReason(['prebuild-install info begin', 'prebuild-install warn install getaddrinfo ENOTFOUND github.com', ''])).toBe(
      'prebuild-install warn install getaddrinfo ENOTFOUND github.com',
    );
    expect(failureReason([])).toBe('no output');
  });
});
