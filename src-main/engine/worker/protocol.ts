/**
 * Messages between the service (main thread) and an engine worker thread. One worker runs one job
 * (a training run, a simulation, a projection...) and exits; long work never blocks the main thread.
 */

/** Main thread -> worker. The job itself arrives as workerData ({ kind, payload }). */
export type ToWorker = { type: 'cancel' };

/** Worker -> main thread. */
export type FromWorker =
  | { type: 'event'; event: unknown }
  | { type: 'done'; result: unknown }
  | {
      type: 'error';
      message: string;
      cancelled: boolean;
      /**
       * True when the error is about the user's input (a bad data file, a missing path, a bad
       * architecture): the service answers it as a bad request, with `field` when known.
       */
      userFacing?: boolean;
      field?: string | null;
    };

export interface WorkerJob {
  kind: string;
  payload: unknown;
}

/** Context every job handler gets inside the worker. */
export interface JobContext {
  /** Sends a progress event to the main thread. */
  emit(event: unknown): void;
  /** Aborted when the main thread asks to cancel. */
  signal: AbortSignal;
}

export type JobHandler = (payload: unknown, context: JobContext) => Promise<unknown>;
