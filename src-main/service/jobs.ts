/**
 * Runs engine jobs in worker threads (out/main/train-worker.js) and relays their events.
 * Used by the service for training, simulations and heavy explore computations.
 */
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import type { FromWorker, WorkerJob } from '../engine/worker/protocol';

export interface JobHandle<T> {
  /** Resolves with the job's result; rejects with its error (err.cancelled = true if cancelled). */
  done: Promise<T>;
  cancel(): void;
  /** Hard stop (used on shutdown). */
  terminate(): Promise<void>;
}

export class JobError extends Error {
  /** About the user's input (a bad file, a missing path): answered as a bad request. */
  readonly userFacing: boolean;
  /** The input field concerned, when the job knew it (e.g. a data file's column). */
  readonly field: string | undefined;

  constructor(
    message: string,
    readonly cancelled: boolean,
    details: { userFacing?: boolean; field?: string | null } = {},
  ) {
    super(message);
    this.name = 'JobError';
    this.userFacing = details.userFacing ?? false;
    this.field = details.field ?? undefined;
  }
}

export class JobRunner {
  private readonly active = new Set<Worker>();

  /** @param workerDir folder holding the bundled train-worker.js (out/main). */
  constructor(private readonly workerDir: string) {}

  /** The bundled worker entry; it also hosts the second thread of a two-thread training step. */
  get workerScript(): string {
    return join(this.workerDir, 'train-worker.js');
  }

  start<T>(job: WorkerJob, onEvent: (event: unknown) => void): JobHandle<T> {
    const worker = new Worker(this.workerScript, {
      workerData: job,
      // Keep the worker's own heap bounded; tables live in typed arrays (outside the JS heap).
      resourceLimits: { maxOldGenerationSizeMb: 4096 },
    });
    this.active.add(worker);
    let settled = false;
    const done = new Promise<T>((resolve, reject) => {
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'event') onEvent(message.event);
        else if (message.type === 'done') {
          settled = true;
          resolve(message.result as T);
        } else if (message.type === 'error') {
          settled = true;
          reject(new JobError(message.message, message.cancelled, { userFacing: message.userFacing ?? false, field: message.field ?? null }));
        }
      });
      worker.on('error', (err) => {
        if (!settled) {
          settled = true;
          reject(new JobError(err.message, false));
        }
      });
      worker.on('exit', (code) => {
        this.active.delete(worker);
        if (!settled) {
          settled = true;
          reject(new JobError(`the worker stopped unexpectedly (exit code ${code})`, false));
        }
      });
    });
    return {
      done,
      cancel: () => worker.postMessage({ type: 'cancel' }),
      terminate: async () => {
        await worker.terminate();
      },
    };
  }

  async terminateAll(): Promise<void> {
    await Promise.all([...this.active].map((w) => w.terminate()));
  }
}
