/**
 * The torch.distributed jobs the service runs in a worker: 'export-torch-job' (prepare the run's
 * dataset, plan the tables' placement, write the job folder) and 'import-torch-job' (read the
 * weights a finished job's ranks wrote and save them as the run's model, for Explore and scoring).
 */
import { copyFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { prepareDataset } from '../data';
import { initBackend } from '../backend';
import { mlpParamCount, topInputWidth } from '../model/architecture';
import { modelFromWeights } from '../model/models';
import { saveModel } from '../train/model-file';
import type { TrainJob } from '../train/trainer';
import { checkPlan, planOfPlacement, proposePlan, tablePlacementOf } from '../train/sharding-plan';
import { launchCommands, readJobWeights, TORCH_JOB_FILES, writeTorchJob } from '../train/torch-job/job-folder';
import { RUN_FILES, type ExportJobResult, type MetricValues, type ShardingInput, type StartRunInput, type TorchJobConfig } from '../../domain';
import type { JobContext } from './protocol';

export interface ExportTorchJobPayload {
  input: StartRunInput;
  runId: string | null;
  runName: string | null;
  /** The job folder to create (absent or empty). */
  dir: string;
  cacheDir: string;
  /** Ranks the plan is made for. */
  worldSize: number;
  /** A placement the user chose (tableOwner[f] = rank); absent: the planner's. */
  tableOwner?: number[];
  /** Bytes one rank may hold; absent: no limit. */
  memoryBudgetBytes?: number;
}

export async function exportTorchJob(raw: unknown, ctx: JobContext): Promise<ExportJobResult> {
  const payload = raw as ExportTorchJobPayload;
  const { input } = payload;
  const prepared = await prepareDataset(input.dataset, {
    cacheDir: payload.cacheDir,
    hashSize: input.model.hashSize,
    categorical: input.dataset.categories?.encoding ?? 'hash',
    ...(input.dataset.categories?.minCount !== undefined ? { minCount: input.dataset.categories.minCount } : {}),
    maxBadShare: input.train.maxBadRowShare,
    onProgress: (fraction, message) => ctx.emit({ type: 'preparing', fraction: fraction / 2, message }),
    signal: ctx.signal,
  });
  const job: TrainJob = { model: input.model, optimizer: input.optimizer, train: input.train, tableSizes: prepared.tableSizes };
  const D = input.model.embeddingDim;
  const bottom = input.model.bottomMlp.trim() === '' ? [] : input.model.bottomMlp.split('-').map(Number);
  const top = [topInputWidth(input.model.interaction, prepared.tableSizes.length, D), ...input.model.topMlp.split('-').map(Number)];
  const planInput: ShardingInput = {
    tableSizes: prepared.tableSizes,
    embeddingDim: D,
    workers: payload.worldSize,
    batchSize: input.train.batchSize,
    denseParamCount: mlpParamCount(bottom) + mlpParamCount(top),
    denseOptimizer: input.optimizer.dense,
    sparseOptimizer: input.optimizer.sparse,
    ...(payload.memoryBudgetBytes !== undefined ? { memoryBudgetBytes: payload.memoryBudgetBytes } : {}),
  };
  let plan;
  let cost;
  if (payload.tableOwner) {
    plan = planOfPlacement({ worldSize: payload.worldSize, tableOwner: payload.tableOwner });
    cost = checkPlan(planInput, plan);
  } else {
    ({ plan, cost } = proposePlan(planInput));
    if (cost.problems.length > 0) throw Object.assign(new Error(`no placement fits: ${cost.problems.join('; ')}`), { userFacing: true });
  }
  const placement = tablePlacementOf(plan);
  await initBackend('cpu');
  const { bytes, config } = writeTorchJob({
    dir: payload.dir,
    job,
    data: { train: prepared.train, valid: prepared.valid, test: prepared.test },
    plan: placement,
    runId: payload.runId,
    runName: payload.runName,
    dataset: input.dataset,
    appFiles: { [RUN_FILES.preprocessing]: JSON.stringify({ dataset: input.dataset, preprocessing: prepared.preprocessing }) },
    onProgress: (fraction, message) => ctx.emit({ type: 'preparing', fraction: 0.5 + fraction / 2, message }),
    signal: ctx.signal,
  });
  const statsFile = join(payload.dir, TORCH_JOB_FILES.app, RUN_FILES.stats);
  prepared.stats.writeFile(statsFile);
  return { dir: payload.dir, bytes: bytes + statSync(statsFile).size, rows: config.rows, plan: placement, cost, commands: launchCommands(payload.dir, placement.worldSize) };
}

export interface ImportTorchJobPayload {
  /** The folder holding metrics.jsonl and weights-rank<r>.bin. */
  outputDir: string;
  config: TorchJobConfig;
  /** Weight files named by the job's 'finished' line. */
  files: string[];
  runDir: string;
  trainedSteps: number;
  test: MetricValues | null;
}

/** Saves a finished job's weights as the run's model (plus the preprocessing and feature stats Explore reads). */
export async function importTorchJob(raw: unknown): Promise<{ path: string; bytes: number }> {
  const payload = raw as ImportTorchJobPayload;
  const { config, outputDir, runDir } = payload;
  const weights = readJobWeights(outputDir, config, payload.files);
  const appDir = join(outputDir, TORCH_JOB_FILES.app);
  const preprocessingFile = join(appDir, RUN_FILES.preprocessing);
  if (!existsSync(preprocessingFile)) throw Object.assign(new Error(`${outputDir}: app/${RUN_FILES.preprocessing} is missing (copy the whole output folder)`), { userFacing: true });
  const saved = JSON.parse(readFileSync(preprocessingFile, 'utf8')) as { preprocessing?: unknown };
  copyFileSync(preprocessingFile, join(runDir, RUN_FILES.preprocessing));
  if (existsSync(join(appDir, RUN_FILES.stats))) copyFileSync(join(appDir, RUN_FILES.stats), join(runDir, RUN_FILES.stats));
  await initBackend('cpu');
  const model = modelFromWeights(config.model, config.tableSizes, weights, { numDense: config.architecture.numDense });
  try {
    const file = join(runDir, RUN_FILES.model);
    saveModel(file, model, { model: config.model, preprocessing: saved.preprocessing ?? null, trainedSteps: payload.trainedSteps, test: payload.test });
    return { path: file, bytes: statSync(file).size };
  } finally {
    model.dispose();
  }
}
