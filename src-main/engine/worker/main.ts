/**
 * Entry of the engine worker thread (bundled to out/main/train-worker.js). It runs exactly one job,
 * named by workerData.kind, reports progress events, and exits. The same file also serves as the
 * second thread of a two-thread training step (workerData.role = 'gradient-helper').
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { FromWorker, ToWorker, WorkerJob } from './protocol';
import { JOB_HANDLERS } from './handlers';
import { runGradientHelper, type GradientHelperData } from '../train/parallel';

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
      send({ type: 'error', message: err instanceof Error ? err.message : String(err), cancelled: controller.signal.aborted });
    })
    .finally(() => port.close());
}

const port = parentPort;
if (!port) throw new Error('train-worker.js must be started as a worker thread');
if ((workerData as Partial<GradientHelperData>).role === 'gradient-helper') {
  void runGradientHelper(port, workerData as GradientHelperData);
} else {
  startJob(port, workerData as WorkerJob);
}
