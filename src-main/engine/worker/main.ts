/**
 * Entry of the engine worker thread (bundled to out/main/train-worker.js). It runs exactly one job,
 * named by workerData.kind, reports progress events, and exits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FromWorker, ToWorker, WorkerJob } from './protocol';
import { JOB_HANDLERS } from './handlers';

const port = parentPort;
if (!port) throw new Error('train-worker.js must be started as a worker thread');

const job = workerData as WorkerJob;
const controller = new AbortController();
port.on('message', (message: ToWorker) => {
  if (message.type === 'cancel') controller.abort();
});

function send(message: FromWorker): void {
  port!.postMessage(message);
}

async function runJob(): Promise<void> {
  const handler = JOB_HANDLERS[job.kind];
  if (!handler) throw new Error(`unknown job kind "${job.kind}"`);
  const result = await handler(job.payload, { emit: (event) => send({ type: 'event', event }), signal: controller.signal });
  send({ type: 'done', result });
}

runJob()
  .catch((err: unknown) => {
    send({ type: 'error', message: err instanceof Error ? err.message : String(err), cancelled: controller.signal.aborted });
  })
  .finally(() => {
    port.close();
  });
