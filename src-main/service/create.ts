/**
 * The one service behind every door. `call(method, input)` validates untrusted input, runs the
 * method, and maps every failure to an ApiError with a user-facing message; events go to every
 * subscriber. Doors construct it with createStudioService and hold no logic of their own.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultDataDir, defaultDatabasePath, openStore, StoreError, type WritableStore } from '../store';
import type { AppInfo, MethodName, StudioEvent } from './contract';
import type { ServiceDoor } from './door';
import { JobRunner } from './jobs';
import { ApiError } from './validate';
import type { MethodHandlers, ServiceContext } from './context';
import { runMethods, RunManager } from './runs';
import { simulationMethods, SimulationManager } from './simulations';
import { exploreMethods } from './explore';
import { toolMethods, appMethods } from './tools';

export interface StudioServiceOptions {
  door: AppInfo['door'];
  /** Folder holding the bundled worker (out/main). */
  workerDir: string;
  /** Default: DLRM_STUDIO_DATA_DIR or the platform's app-data folder. */
  dataDir?: string;
}

export class StudioService implements ServiceDoor {
  private readonly listeners = new Set<(event: StudioEvent) => void>();
  private readonly handlers: MethodHandlers;
  private readonly runManager: RunManager;
  private readonly simulationManager: SimulationManager;
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
    this.handlers = {
      ...appMethods(this.context),
      ...runMethods(this.context, this.runManager),
      ...simulationMethods(this.context, this.simulationManager),
      ...exploreMethods(this.context),
      ...toolMethods(this.context),
    };
  }

  get dataDir(): string {
    return this.context.dataDir;
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

  /** Stops running jobs (their runs end as interrupted and can be resumed) and closes the database. */
  async close(): Promise<void> {
    await this.runManager.shutdown();
    await this.simulationManager.shutdown();
    await this.context.jobs.terminateAll();
    this.store.close();
  }
}

/** Every failure leaves the service as an ApiError with a message a user can act on. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof StoreError) return new ApiError(err.message, err.code, err.field);
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
  const store = openStore(defaultDatabasePath(dataDir));
  return new StudioService(store, { ...options, dataDir });
}
