/**
 * The one service behind every door. `call(method, input)` validates untrusted input, runs the
 * method, and maps every failure to an ApiError with a user-facing message; events go to every
 * subscriber. Doors construct it with createStudioService and hold no logic of their own.
 */
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultDataDir, defaultDatabasePath, openStore, StoreError, type WritableStore } from '../store';
import type { AppInfo, MethodName, StudioEvent } from './contract';
import type { ServiceDoor } from './door';
import { JobRunner } from './jobs';
import { ApiError, fileSystemApiError } from './validate';
import type { MethodHandlers, ServiceContext } from './context';
import { runMethods, RunManager } from './runs';
import { simulationMethods, SimulationManager } from './simulations';
import { sweepMethods, SweepManager } from './sweeps';
import { exploreMethods } from './explore';
import { toolMethods, appMethods } from './tools';
import { cliPathPolicy, type PathPolicy } from './paths';
import { torchJobMethods, TorchJobFollower } from './torch-jobs';
import { shardingMethods } from './sharding';

export interface StudioServiceOptions {
  door: AppInfo['door'];
  /** Folder holding the bundled worker (out/main). */
  workerDir: string;
  /** Default: DLRM_STUDIO_DATA_DIR or the platform's app-data folder. */
  dataDir?: string;
  /**
   * better_sqlite3.node to load instead of node_modules' (Node) build: the Electron door passes its
   * Electron build (src-main/native). Unset under Node.
   */
  nativeBinding?: string;
  /**
   * Web mode: the only folders whose data files requests may read or write (the setting
   * `allowedDirs`). Default: the user's home and the data folder. Ignored by the other doors.
   */
  allowedDirs?: readonly string[];
}

/**
 * The path policy of a door: the CLI resolves relative paths against the shell's folder; the
 * desktop app and web mode refuse them (their working directory is not the user's choice); web mode
 * also keeps data files inside the allowed folders.
 */
export function doorPathPolicy(door: AppInfo['door'], dataDir: string, allowedDirs?: readonly string[]): PathPolicy {
  if (door === 'cli') return cliPathPolicy();
  if (door === 'electron') return { relativeBase: null, allowedDirs: null };
  return { relativeBase: null, allowedDirs: (allowedDirs ?? [homedir(), dataDir]).map((d) => resolve(d)) };
}

export class StudioService implements ServiceDoor {
  private readonly listeners = new Set<(event: StudioEvent) => void>();
  private readonly handlers: MethodHandlers;
  private readonly runManager: RunManager;
  private readonly simulationManager: SimulationManager;
  private readonly torchJobFollower: TorchJobFollower;
  /** Sweeps of runs (public so tests and the CLI can wait for one to settle). */
  readonly sweepManager: SweepManager;
  readonly context: ServiceContext;

  constructor(
    private readonly store: WritableStore,
    options: StudioServiceOptions & { dataDir: string },
  ) {
    const cacheDir = join(options.dataDir, 'cache');
    mkdirSync(cacheDir, { recursive: true });
    this.context = {
      store,
      jobs: new JobRunner(options.workerDir),
      dataDir: options.dataDir,
      cacheDir,
      door: options.door,
      paths: doorPathPolicy(options.door, options.dataDir, options.allowedDirs),
      emit: (event) => {
        for (const listener of this.listeners) {
          try {
            listener(event);
          } catch {
            // A failing subscriber (a closed socket) must not break the others.
          }
        }
      },
    };
    this.runManager = new RunManager(this.context);
    this.simulationManager = new SimulationManager(this.context);
    this.torchJobFollower = new TorchJobFollower(this.context);
    this.sweepManager = new SweepManager(this.context, this.runManager);
    this.handlers = {
      ...appMethods(this.context),
      ...runMethods(this.context, this.runManager),
      ...simulationMethods(this.context, this.simulationManager),
      ...sweepMethods(this.context, this.sweepManager),
      ...exploreMethods(this.context),
      ...toolMethods(this.context),
      ...torchJobMethods(this.context, this.torchJobFollower),
      ...shardingMethods(),
    };
    // runs.cancel of a run that follows a torch.distributed job stops following (the job trains elsewhere)
    const cancelRun = this.handlers['runs.cancel'];
    this.handlers['runs.cancel'] = (input: unknown) => {
      const id = input !== null && typeof input === 'object' ? (input as { id?: unknown }).id : undefined;
      if (typeof id === 'string' && this.torchJobFollower.stopFollowing(id)) return { ok: true };
      return cancelRun(input);
    };
  }

  get dataDir(): string {
    return this.context.dataDir;
  }

  hasMethod(method: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.handlers, method);
  }

  /** Method names this service answers (for tests: every contract method must be here). */
  methodNames(): string[] {
    return Object.keys(this.handlers).sort();
  }

  async call(method: string, input: unknown): Promise<unknown> {
    const handler = Object.prototype.hasOwnProperty.call(this.handlers, method) ? this.handlers[method as MethodName] : undefined;
    if (!handler) throw new ApiError(`unknown method "${method}"`, 'not-found');
    try {
      return await handler(input);
    } catch (err) {
      throw toApiError(err);
    }
  }

  onEvent(listener: (event: StudioEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Stops the training runs of this process (a stop signal): each writes a checkpoint where it can
   * and is stored as 'interrupted', resumable. The database stays open; `close` follows.
   */
  async interruptRuns(): Promise<void> {
    // followed torch.distributed jobs first: their runs say how to follow again, not how to resume
    this.torchJobFollower.interrupt();
    await this.runManager.shutdown();
  }

  /** Whether this service is following run `id`'s torch.distributed job (it trains elsewhere: stopping means unfollowing). */
  isFollowingJob(id: string): boolean {
    return this.torchJobFollower.isFollowing(id);
  }

  /** Stops running jobs (their runs end as interrupted and can be resumed) and closes the database. */
  async close(): Promise<void> {
    this.sweepManager.shutdown();
    await this.runManager.shutdown();
    await this.simulationManager.shutdown();
    this.torchJobFollower.shutdown();
    await this.context.jobs.terminateAll();
    this.store.close();
  }
}

/** Every failure leaves the service as an ApiError with a message a user can act on. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof StoreError) return new ApiError(err.message, err.code, err.field);
  const fileSystem = fileSystemApiError(err);
  if (fileSystem) return fileSystem;
  if (err instanceof Error) {
    // Engine errors about user input (bad files, bad architecture strings) carry a `userFacing` flag
    // or are DatasetErrors; everything else is an internal error, reported with its message.
    const flagged = err as Error & { userFacing?: boolean; field?: string };
    if (flagged.userFacing || err.name === 'DatasetError' || err.name === 'ModelSpecError') {
      return new ApiError(err.message, 'bad-request', flagged.field);
    }
    return new ApiError(err.message, 'internal');
  }
  return new ApiError(String(err), 'internal');
}

export async function createStudioService(options: StudioServiceOptions): Promise<StudioService> {
  const dataDir = resolve(options.dataDir ?? defaultDataDir());
  mkdirSync(dataDir, { recursive: true });
  const store = openStore(defaultDatabasePath(dataDir), options.nativeBinding === undefined ? {} : { nativeBinding: options.nativeBinding });
  return new StudioService(store, { ...options, dataDir });
}
