/**
 * The Electron door with a fake `electron` module: which better-sqlite3 binary it hands the store
 * (checkout: out/native/electron-v<ABI>-<platform>-<arch>/; installed: <resources>/native/), that it
 * refuses to start with one line when that binary is missing or built for another ABI, and that it
 * opens the same data folder as the CLI and web mode.
 *
 * Under vitest the "running Electron" is Node, so its ABI is Node's (process.versions.modules): a
 * copy of node_modules' Node build at the Electron build's place is what this runtime can load, and
 * the real service and store then open with it.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StudioService, StudioServiceOptions } from '../../service/create';
import { DATA_DIR_ENV, defaultDatabasePath, defaultDataDir } from '../../store';

const fake = vi.hoisted(() => {
  const state = {
    isPackaged: false,
    appPath: '',
    exitCode: null as number | null,
    errorBoxes: [] as Array<[string, string]>,
    windowOptions: [] as unknown[],
    loadedFiles: [] as string[],
    started: [] as Array<{ options: StudioServiceOptions; service: StudioService }>,
  };
  const app = {
    get isPackaged(): boolean {
      return state.isPackaged;
    },
    getAppPath: (): string => state.appPath,
    whenReady: async (): Promise<void> => undefined,
    exit: (code: number): void => {
      state.exitCode = code;
    },
    quit: (): void => undefined,
    on: (): unknown => app,
  };
  class BrowserWindow {
    readonly webContents = { send: (): void => undefined, isDestroyed: (): boolean => false };
    constructor(options: unknown) {
      state.windowOptions.push(options);
    }
    on(): this {
      return this;
    }
    once(): this {
      return this;
    }
    async loadFile(file: string): Promise<void> {
      state.loadedFiles.push(file);
    }
    async loadURL(): Promise<void> {}
  }
  const electron = {
    app,
    BrowserWindow,
    dialog: {
      showErrorBox: (title: string, content: string): void => {
        state.errorBoxes.push([title, content]);
      },
      showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
    },
    ipcMain: { handle: (): void => undefined, removeHandler: (): void => undefined },
    session: { defaultSession: { webRequest: { onHeadersReceived: (): void => undefined }, setPermissionRequestHandler: (): void => undefined } },
    shell: { openExternal: async (): Promise<void> => undefined },
  };
  return { state, electron };
});

vi.mock('electron', () => ({ ...fake.electron, default: fake.electron }));
vi.mock('../../service/create', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../service/create')>();
  return {
    ...real,
    createStudioService: async (options: StudioServiceOptions) => {
      const service = await real.createStudioService(options);
      fake.state.started.push({ options, service });
      return service;
    },
  };
});

const require = createRequire(import.meta.url);
const nodeBuild = join(dirname(require.resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');
const runtimeAbi = Number(process.versions.modules);
const buildFolder = `electron-v${runtimeAbi}-${process.platform}-${process.arch}`;

let scratch: string;
let savedEnv: NodeJS.ProcessEnv;
let errors: string[];

beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'electron-door-'));
  savedEnv = { ...process.env };
  // The platform's default data folder, moved into the scratch folder (Linux: $XDG_DATA_HOME/dlrm-studio).
  delete process.env[DATA_DIR_ENV];
  process.env['XDG_DATA_HOME'] = join(scratch, 'xdg');
  process.env['HOME'] = join(scratch, 'home');
  process.env['APPDATA'] = join(scratch, 'appdata');
  Object.assign(fake.state, { isPackaged: false, appPath: join(scratch, 'project'), exitCode: null, errorBoxes: [], windowOptions: [], loadedFiles: [], started: [] });
  Object.defineProperty(process, 'resourcesPath', { value: join(scratch, 'installed', 'resources'), configurable: true });
  errors = [];
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    errors.push(args.map(String).join(' '));
  });
  vi.resetModules();
});

afterEach(async () => {
  for (const { service } of fake.state.started) await service.close();
  vi.restoreAllMocks();
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  rmSync(scratch, { recursive: true, force: true });
});

function place(file: string, from: string | Buffer): string {
  mkdirSync(dirname(file), { recursive: true });
  if (typeof from === 'string') copyFileSync(from, file);
  else writeFileSync(file, from);
  return file;
}

/** Imports the door (it starts at import) and waits until it opened a window or gave up. */
async function startDoor(): Promise<void> {
  await import('./main');
  await vi.waitFor(() => expect(fake.state.loadedFiles.length > 0 || fake.state.exitCode !== null).toBe(true), { timeout: 10_000 });
}

describe('Electron door', () => {
  it("passes the checkout's Electron build as nativeBinding, and the store loads that file", async () => {
    const binding = place(join(fake.state.appPath, 'out', 'native', buildFolder, 'better_sqlite3.node'), nodeBuild);
    await startDoor();
    expect(errors).toEqual([]);
    expect(fake.state.exitCode).toBeNull();
    expect(fake.state.started).toHaveLength(1);
    const { options, service } = fake.state.started[0]!;
    expect(options.door).toBe('electron');
    expect(options.nativeBinding).toBe(binding);
    expect(require.cache[binding]).toBeDefined();
    // The window keeps its hardening.
    expect(fake.state.windowOptions[0]).toMatchObject({ webPreferences: { contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true } });
    // Same data folder (and database) as the CLI and web mode, which also take defaultDataDir().
    expect(options.dataDir).toBeUndefined();
    expect(service.dataDir).toBe(resolve(defaultDataDir()));
    if (process.platform === 'linux') expect(service.dataDir).toBe(join(scratch, 'xdg', 'dlrm-studio'));
    expect(service.context.store.databasePath).toBe(resolve(defaultDatabasePath(defaultDataDir())));
  });

  it('honours DLRM_STUDIO_DATA_DIR like the other doors', async () => {
    place(join(fake.state.appPath, 'out', 'native', buildFolder, 'better_sqlite3.node'), nodeBuild);
    process.env[DATA_DIR_ENV] = join(scratch, 'chosen');
    await startDoor();
    expect(fake.state.started[0]!.service.dataDir).toBe(join(scratch, 'chosen'));
  });

  it('refuses to start, in one line with the fix, when the Electron build is missing', async () => {
    await startDoor();
    expect(fake.state.exitCode).toBe(1);
    expect(fake.state.started).toEqual([]);
    expect(fake.state.windowOptions).toEqual([]);
    const expectedPath = join(fake.state.appPath, 'out', 'native', buildFolder, 'better_sqlite3.node');
    expect(errors).toHaveLength(1);
    expect(errors[0]).not.toContain('\n');
    expect(errors[0]).toMatch(/^DLRM Studio could not start: better-sqlite3's native addon for Electron \S+ is missing \(/);
    expect(errors[0]).toContain(`(${expectedPath}); Electron`);
    expect(errors[0]!.endsWith('Fix: npm run rebuild:electron')).toBe(true);
    expect(fake.state.errorBoxes).toEqual([]);
  });

  it('installed app: loads <resources>/native/better_sqlite3.node, and shows a dialog when it is built for another ABI', async () => {
    fake.state.isPackaged = true;
    const binding = place(join(process.resourcesPath, 'native', 'better_sqlite3.node'), nodeBuild);
    await startDoor();
    expect(fake.state.started[0]!.options.nativeBinding).toBe(binding);
    for (const { service } of fake.state.started.splice(0)) await service.close();

    // A binary built for another ABI planted in its place.
    vi.resetModules();
    Object.assign(fake.state, { exitCode: null, loadedFiles: [] });
    const otherAbi = runtimeAbi === 140 ? 115 : 140;
    place(binding, Buffer.concat([Buffer.alloc(64, 1), Buffer.from(`\0node_register_module_v${otherAbi}\0`, 'latin1')]));
    await startDoor();
    expect(fake.state.exitCode).toBe(1);
    expect(fake.state.started).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`is built for ABI ${otherAbi}`);
    expect(errors[0]!.endsWith('Fix: reinstall DLRM Studio')).toBe(true);
    expect(fake.state.errorBoxes).toEqual([['DLRM Studio could not start', errors[0]!.replace('DLRM Studio could not start: ', '')]]);
  });
});
