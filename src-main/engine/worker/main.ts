/**
 * Entry of the engine worker thread (bundled to out/main/train-worker.js). It runs exactly one job,
 * named by workerData.kind, reports progress events, and exits. The same file also serves as the
 * second thread of a two-thread training step (workerData.role = 'gradient-helper').
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { FromWorker, ToWorker, WorkerJob } from './protocol';
import { JOB_HANDLERS } from './handlers';
import { runGradientHelper, type GradientHelperData } from '../train/parallel';
import { runHybridWorker, type HybridWorkerData } from '../train/hybrid';
import { fileProblem } from '../data/errors';

function startJob(port: MessagePort, job: WorkerJob): void {
  const controller = new AbortController();
  port.on('message', (message: ToWorker) => {
    if (message.type === 'cancel') controller.abort();
  });
  const send = (message: FromWorker): void => port.postMessage(message);
  const run = async (): Promise<void> => {
    const handler = JOB_HANDLERS[job.kind];
    if (!handler) throw new Error(`unknown job kind "${job.kind}"`);
    const result = await handler(job.payload, { emit: (event) => send({ type: 'event', event }), signal: controller.signal });
    send({ type: 'done', result });
  };
  run()
    .catch((err: unknown) => {
      send({ ...describeError(err), cancelled: controller.signal.aborted });
    })
    .finally(() => port.close());
}

/**
 * What the main thread needs of a job's error: the message, and whether it is about the user's
 * input. A file-system error (ENOENT, EISDIR, EACCES, ...) becomes a sentence naming its path,
 * never the system's raw text.
 */
function describeError(err: unknown): { type: 'error'; message: string; userFacing: boolean; field: string | null } {
  if (!(err instanceof Error)) return { type: 'error', message: String(err), userFacing: false, field: null };
  const flagged = err as Error & { userFacing?: boolean; field?: unknown; code?: unknown; path?: unknown };
  const field = typeof flagged.field === 'string' ? flagged.field : null;
  if (typeof flagged.code === 'string' && /^E[A-Z]+$/.test(flagged.code) && typeof flagged.path === 'string') {
    return { type: 'error', message: fileProblem(flagged.path, err), userFacing: true, field };
  }
  const userFacing = flagged.userFacing === true || err.name === 'DatasetError' || err.name === 'ModelSpecError';
  return { type: 'error', message: err.message, userFacing, field };
}

const port = parentPort;
if (!port) throw new Error('train-worker.js must be started as a worker thread');
if ((workerData as Partial<GradientHelperData>).role === 'gradient-helper') {
  void runGradientHelper(port, workerData as GradientHelperData);
} else if ((workerData as Partial<HybridWorkerData>).role === 'hybrid-worker') {
  void runHybridWorker(workerData as HybridWorkerData);
} else {
  startJob(port, workerData as WorkerJob);
}
