/**
 * The 'train' job: prepare the dataset (parse once into the cache, or read the cache), train, save
 * the model and what explore views need beside it (preprocessing, per-row feature statistics).
 */
import { statSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareDataset } from '../data';
import { batchesPerEpoch } from '../data/batch-source';
import { runTraining, saveModel, type TrainJob, type TrainEvent } from '../train';
import { needsAsyncReads, prefetchForSyncReads } from '../gpu/device-step';
import { RUN_FILES } from '../../domain';
import type { JobContext } from './protocol';
import type { TrainJobEvent, TrainJobPayload, TrainJobResult } from './job-types';

/** Files a finished run keeps beside its database row (relative to the run folder). */

export async function trainJob(raw: unknown, ctx: JobContext): Promise<TrainJobResult> {
  const payload = raw as TrainJobPayload;
  const { input, runDir } = payload;
  const started = performance.now();
  const wallTime = (): number => (performance.now() - started) / 1000;
  const emit = (event: TrainJobEvent): void => ctx.emit(event);
  mkdirSync(runDir, { recursive: true });

  const prepared = await prepareDataset(input.dataset, {
    cacheDir: payload.cacheDir,
    hashSize: input.model.hashSize,
    categorical: input.dataset.categories?.encoding ?? 'hash',
    ...(input.dataset.categories?.minCount !== undefined ? { minCount: input.dataset.categories.minCount } : {}),
    maxBadShare: input.train.maxBadRowShare,
    ...(input.train.shuffleWindow !== undefined ? { shuffleWindow: input.train.shuffleWindow } : {}),
    onProgress: (fraction, message) => emit({ type: 'preparing', fraction, message }),
    signal: ctx.signal,
  });
  emit({ type: 'dataset', description: prepared.description });
  writeFileSync(join(runDir, RUN_FILES.preprocessing), JSON.stringify({ dataset: input.dataset, preprocessing: prepared.preprocessing }));
  prepared.stats.writeFile(join(runDir, RUN_FILES.stats));

  const job: TrainJob = { model: input.model, optimizer: input.optimizer, train: input.train, tableSizes: prepared.tableSizes };
  const totalSteps = batchesPerEpoch(prepared.train.numRows, input.train.batchSize) * input.train.epochs;
  const pauseAtStep = payload.pauseAtFraction !== undefined && payload.pauseAtFraction < 1 ? Math.max(1, Math.round(payload.pauseAtFraction * totalSteps)) : undefined;
  let samplesSeen = 0;
  const result = await runTraining(
    job,
    { train: prepared.train, valid: prepared.valid, test: prepared.test },
    {
      signal: ctx.signal,
      checkpointDir: join(runDir, RUN_FILES.checkpoints),
      ...(payload.resumeFrom ? { resumeFrom: payload.resumeFrom } : {}),
      ...(input.train.threads === 2 || (input.train.hybridWorkers ?? 0) > 0 ? { parallelWorkerScript: payload.workerScript } : {}),
      keepModel: true,
      ...(pauseAtStep !== undefined ? { pauseAtStep } : {}),
      onEvent: (event: TrainEvent) => {
        switch (event.type) {
          case 'started':
            emit({ type: 'started', backend: event.backend, detail: event.detail, paramCount: event.paramCount, totalSteps: event.totalSteps });
            break;
          case 'progress':
            samplesSeen = event.samplesSeen;
            emit({ ...event, wallTime: wallTime() });
            break;
          case 'eval':
            emit({ ...event, wallTime: wallTime() });
            break;
          case 'phases':
            emit({ ...event, samplesSeen, wallTime: wallTime() });
            break;
          case 'checkpoint':
            emit({ type: 'checkpoint', step: event.step, path: event.path, bytes: statSync(event.path).size });
            break;
          default:
            break;
        }
      },
    },
  );
  try {
    if (result.status === 'failed') throw new Error(result.error ?? 'training failed');
    if (result.paused) return { status: 'cancelled', step: result.step, samplesSeen, wallTime: wallTime(), valid: null, test: null, best: null, paused: true };
    if (result.status === 'cancelled') {
      const error = new Error('cancelled');
      error.name = 'AbortError';
      throw error;
    }
    if (result.model) {
      if (needsAsyncReads()) await prefetchForSyncReads(result.model.variables());
      const file = join(runDir, RUN_FILES.model);
      const modelStep = result.best?.step ?? result.step;
      saveModel(file, result.model, { model: input.model, preprocessing: prepared.preprocessing, trainedSteps: modelStep, test: result.test });
      emit({ type: 'artifact', kind: 'model', path: file, bytes: statSync(file).size, step: modelStep });
    }
  } finally {
    result.model?.dispose();
  }
  return { status: 'finished', step: result.step, samplesSeen, wallTime: wallTime(), valid: result.valid, test: result.test, best: result.best, paused: false };
}
