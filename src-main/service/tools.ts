/**
 * App-level methods (info, presets, model checks, dataset preview) and the CLI's tools (generate,
 * bench, evaluate, predict). Heavy work goes to a worker job; quick checks run here.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkModelSpec, PRESETS } from '../engine/model';
import { listBackends, webGpuAdapter } from '../engine/backend';
import { planRun } from './memory';
import { preparedDistinctCounts, previewFile } from '../engine/data';
import type { DistinctCounts } from '../engine/data';
import { KAGGLE_CARDINALITIES } from '../engine/data/kaggle-scale';
import type { AppInfo, BenchFigures, BenchRow, EvaluateResult, GenerateResult } from './contract';
import type { MethodHandlers, ServiceContext } from './context';
import type { BenchPayload, ComponentBenchPayload, GeneratePayload, ScorePayload } from '../engine/worker/tool-jobs';
import { RUN_FILES } from '../domain';
import type { DatasetSpec, DistinctSource } from '../domain';
import { ApiError, array, boolean, empty, id, integer, number, object, oneOf, onlyKeys, string } from './validate';
import { BACKENDS, filePath, parseDatasetSpec, parseModelSpec, parseOptimizerSpec } from './inputs';
import { outputPath } from './paths';
import packageJson from '../../package.json';
import { defaultTrainingThreads } from '../engine/train/threads';

/**
 * Distinct values per feature counted when a hashed file dataset was prepared (null: synthetic data,
 * a vocabulary, or files not prepared since the counts were kept).
 */
function preparedDistinctOf(cacheDir: string, dataset: DatasetSpec | undefined): DistinctCounts | null {
  if (!dataset || dataset.kind === 'synthetic' || dataset.categories?.encoding === 'vocab') return null;
  const files = dataset.kind === 'file' ? [dataset.path] : [dataset.train, ...(dataset.valid ? [dataset.valid] : []), dataset.test];
  return preparedDistinctCounts(cacheDir, files);
}

let backendsCache: ReturnType<typeof listBackends> | null = null;

/** Probed once per process: loading the optional packages and Dawn is slow. */
function backends(): ReturnType<typeof listBackends> {
  backendsCache ??= listBackends();
  return backendsCache;
}

/** Runs a worker job to completion, relaying 'log' lines to onLog when given, else nowhere (the CLI prints the result). */
function runJob<T>(ctx: ServiceContext, kind: string, payload: unknown, onLog?: (line: string) => void): Promise<T> {
  return ctx.jobs.start<T>({ kind, payload }, (event) => {
    if (onLog && typeof event === 'object' && event !== null && 'type' in event && event.type === 'log' && 'line' in event && typeof event.line === 'string') onLog(event.line);
  }).done;
}

function trainedRunDir(ctx: ServiceContext, runId: string): string {
  const run = ctx.store.getRun(runId);
  const dir = ctx.store.runFolder(runId);
  if (run.status !== 'finished' || !existsSync(join(dir, RUN_FILES.model))) {
    throw new ApiError(`run ${runId} has no trained model (status: ${run.status})`, 'conflict', 'id');
  }
  return dir;
}

export function appMethods(ctx: ServiceContext): MethodHandlers {
  return {
    'app.info': async (input): Promise<AppInfo> => {
      empty(input);
      const list = await backends();
      return {
        version: packageJson.version,
        backends: list.map((b) => ({ name: b.name, available: b.available, detail: b.detail })),
        defaultBackend: list.find((b) => b.automatic)?.name ?? null,
        dataDir: ctx.dataDir,
        databasePath: ctx.store.databasePath,
        door: ctx.door,
      };
    },
    'presets.list': (input) => {
      empty(input);
      return PRESETS;
    },
    'model.check': (input) => {
      const o = object(input);
      onlyKeys(o, ['model', 'optimizer']);
      const model = parseModelSpec(o['model']);
      return o['optimizer'] === undefined ? checkModelSpec(model) : checkModelSpec(model, parseOptimizerSpec(o['optimizer']));
    },
    'model.plan': async (input) => {
      const o = object(input);
      onlyKeys(o, ['model', 'optimizer', 'batchSize', 'dataset', 'backend', 'featureDistinctValues']);
      const model = parseModelSpec(o['model']);
      const distinctInput = o['featureDistinctValues'];
      const optimizer = o['optimizer'] === undefined ? undefined : parseOptimizerSpec(o['optimizer']);
      const batchSize = integer(o['batchSize'], 'batchSize', 1, 1_000_000);
      const dataset = o['dataset'] === undefined ? undefined : parseDatasetSpec(o['dataset'], 'dataset', ctx.paths);
      // absent or 'prepared-or-criteo-kaggle': a hashed file's distinct values counted when it was prepared (the cache keeps them)
      const prepared = distinctInput === undefined || distinctInput === 'prepared-or-criteo-kaggle' ? preparedDistinctOf(ctx.cacheDir, dataset) : null;
      const distinct: { values: readonly number[]; source: DistinctSource } | undefined =
        prepared !== null
          ? { values: prepared.values, source: prepared.exact.every(Boolean) ? 'prepared' : 'prepared-estimate' }
          : distinctInput === 'criteo-kaggle' || distinctInput === 'prepared-or-criteo-kaggle'
            ? { values: KAGGLE_CARDINALITIES, source: 'criteo-kaggle' }
            : distinctInput === undefined
              ? undefined
              : { values: array(distinctInput, 'featureDistinctValues', (v, field) => integer(v, field, 0, 2 ** 32), { min: 26, max: 26 }), source: 'given' };
      const featureDistinctValues = distinct?.values;
      const backend = o['backend'] === undefined ? undefined : oneOf(o['backend'], 'backend', BACKENDS);
      let gpuLimits: { maxBufferSize: number; maxStorageBufferBindingSize: number } | null = null;
      if (backend === 'webgpu') {
        const limits = (await webGpuAdapter())?.limits;
        if (limits?.['maxBufferSize'] !== undefined && limits['maxStorageBufferBindingSize'] !== undefined) {
          gpuLimits = { maxBufferSize: limits['maxBufferSize'], maxStorageBufferBindingSize: limits['maxStorageBufferBindingSize'] };
        }
      }
      const plan = planRun({ model, optimizer, batchSize, dataset, gpuLimits, featureDistinctValues });
      if (plan.hashCollisions && distinct) plan.hashCollisions.distinctSource = distinct.source;
      return plan;
    },
    'dataset.preview': async (input) => {
      const o = object(input);
      onlyKeys(o, ['path', 'rows']);
      const path = filePath(o['path'], 'path', ctx.paths);
      if (!existsSync(path)) throw new ApiError(`path: no file at ${path}`, 'bad-request', 'path');
      const rows = o['rows'] === undefined ? 20 : integer(o['rows'], 'rows', 1, 1000);
      if (ctx.door !== 'web') return previewFile(path, rows);
      // web mode shows a file's lines only when it is Criteo data, and quotes no bad value
      const preview = await previewFile(path, rows, { quoteValues: false });
      const first = preview.problems[0];
      if (preview.rowsRead > 0 && preview.badRows === preview.rowsRead && first) {
        throw new ApiError(`path: ${path} does not look like Criteo data: none of its first ${preview.rowsRead} lines is a valid row (line ${first.line}, ${first.field}: ${first.message})`, 'bad-request', 'path');
      }
      return preview;
    },
  };
}

export function toolMethods(ctx: ServiceContext): MethodHandlers {
  return {
    'data.generate': (input) => {
      const o = object(input);
      onlyKeys(o, ['path', 'rows', 'seed', 'overwrite']);
      const payload: GeneratePayload = {
        path: outputPath(o['path'], 'path', ctx.paths, o['overwrite']),
        rows: integer(o['rows'], 'rows', 1, 100_000_000),
        seed: integer(o['seed'] ?? 1, 'seed', 0, 2 ** 31 - 1),
      };
      return runJob<GenerateResult>(ctx, 'generate', payload);
    },
    'bench.train': (input) => {
      const o = object(input);
      onlyKeys(o, ['batchSizes', 'seconds', 'presets', 'backend', 'compareTorch', 'threads', 'rounds']);
      const payload: BenchPayload = {
        batchSizes: array(o['batchSizes'], 'batchSizes', (v, f) => integer(v, f, 1, 65_536), { min: 1, max: 8 }),
        seconds: number(o['seconds'] ?? 10, 'seconds', { min: 1, max: 600 }),
        presets: array(o['presets'] ?? ['criteo-kaggle'], 'presets', (v, f) => string(v, f, { min: 1, max: 64 }), { min: 1, max: 4 }),
        compareTorch: boolean(o['compareTorch'] ?? true, 'compareTorch'),
        torchScript: resolve(process.cwd(), '../shared/peer/torch_dlrm.py'),
        threads: o['threads'] !== undefined ? (integer(o['threads'], 'threads', 1, 2) as 1 | 2) : defaultTrainingThreads(),
        workerScript: ctx.jobs.workerScript,
        rounds: integer(o['rounds'] ?? 3, 'rounds', 1, 10),
      };
      if (o['backend'] !== undefined) payload.backend = oneOf(o['backend'], 'backend', BACKENDS);
      return runJob<BenchRow[]>(ctx, 'bench', payload);
    },
    'bench.component': (input) => {
      const o = object(input);
      onlyKeys(o, ['kind', 'rows', 'epochs', 'seeds', 'seconds', 'batchSizes', 'presets', 'minSteps', 'rounds', 'steps']);
      const payload: ComponentBenchPayload = {
        kind: oneOf(o['kind'], 'kind', ['preprocess', 'simulation', 'projections', 'parity', 'gpu', 'recommenders', 'compression', 'hybrid', 'kaggle-scale'] as const),
        torchScript: resolve(process.cwd(), '../shared/peer/torch_dlrm.py'),
        workDir: join(ctx.cacheDir, 'parity'),
        workerScript: ctx.jobs.workerScript,
      };
      if (o['rows'] !== undefined) payload.rows = integer(o['rows'], 'rows', 1000, 50_000_000);
      if (o['seconds'] !== undefined) payload.seconds = number(o['seconds'], 'seconds', { min: 0.5, max: 600 });
      if (o['batchSizes'] !== undefined) payload.batchSizes = array(o['batchSizes'], 'batchSizes', (v, f) => integer(v, f, 1, 65_536), { min: 1, max: 8 });
      if (o['epochs'] !== undefined) payload.epochs = integer(o['epochs'], 'epochs', 1, 100);
      if (o['presets'] !== undefined) payload.presets = array(o['presets'], 'presets', (v, f) => oneOf(v, f, PRESETS.map((p) => p.name)), { min: 1, max: 8 });
      if (o['minSteps'] !== undefined) payload.minSteps = integer(o['minSteps'], 'minSteps', 1, 10_000);
      if (o['rounds'] !== undefined) payload.rounds = integer(o['rounds'], 'rounds', 1, 10);
      if (o['steps'] !== undefined) payload.steps = integer(o['steps'], 'steps', 1, 100_000);
      if (o['seeds'] !== undefined) payload.seeds = array(o['seeds'], 'seeds', (v, f) => integer(v, f, 0, 2 ** 31 - 1), { min: 1, max: 10 });
      // the Kaggle-scale and compression benchmarks run for minutes: their progress lines (a phase, a
      // variant trained) go to stderr as they come
      const onLog = payload.kind === 'kaggle-scale' || payload.kind === 'compression' ? (line: string) => process.stderr.write(`${line}\n`) : undefined;
      return runJob<BenchFigures[]>(ctx, 'bench-component', payload, onLog);
    },
    'runs.evaluate': (input) => {
      const o = object(input);
      onlyKeys(o, ['id', 'path']);
      const runId = id(o['id']);
      const path = o['path'] === undefined ? undefined : filePath(o['path'], 'path', ctx.paths);
      const payload: ScorePayload = { runId, runDir: trainedRunDir(ctx, runId), cacheDir: ctx.cacheDir };
      if (path !== undefined) payload.path = path;
      return runJob<EvaluateResult>(ctx, 'evaluate', payload);
    },
    'runs.predict': (input) => {
      const o = object(input);
      onlyKeys(o, ['id', 'path', 'outPath', 'overwrite']);
      const runId = id(o['id']);
      // the paths first: a refused path is the answer whatever the run
      const path = filePath(o['path'], 'path', ctx.paths);
      const outPath = outputPath(o['outPath'], 'outPath', ctx.paths, o['overwrite']);
      const payload: ScorePayload = { runId, runDir: trainedRunDir(ctx, runId), cacheDir: ctx.cacheDir, path, outPath };
      return runJob<{ rows: number; outPath: string }>(ctx, 'predict', payload);
    },
  };
}
