/**
 * Jobs behind the CLI's tools: write a synthetic file, benchmark training, evaluate a trained run
 * and score a file with it. Each runs in a worker so the app stays responsive.
 */
import { runHybridBench } from '../train/bench-hybrid';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { prepareDataset, prepareScoringFile, writeSyntheticTsv, type PreprocessingState } from '../data';
import { computeMetrics, loadModel, predictBatches, runBench, runParity } from '../train';
import { runGpuBench } from '../train/bench-gpu';
import { runCompressionBench } from '../train/compression-bench';
import { runKaggleScaleBench } from '../train/kaggle-scale-bench';
import { KAGGLE_ROWS } from '../data/kaggle-scale';
import { initBackend } from '../backend';
import { benchPreprocess } from '../data/bench';
import { benchSimulation, compareRecommenders } from '../sim';
import { DlrmClickModel } from '../train/click-model';
import { benchProjections } from '../explore/bench';
import type { BackendName, BenchFigures, BenchRow, DatasetSpec, EvaluateResult, GenerateResult } from '../../domain';
import type { JobContext } from './protocol';
import { RUN_FILES } from '../../domain';

export interface GeneratePayload {
  path: string;
  rows: number;
  seed: number;
}

export async function generateJob(raw: unknown, ctx: JobContext): Promise<GenerateResult> {
  const p = raw as GeneratePayload;
  const summary = await writeSyntheticTsv(p.path, p.rows, p.seed, { signal: ctx.signal });
  return { path: p.path, rows: summary.rows, bytes: summary.bytes, clickRate: summary.clickRate, bayesAuc: summary.bayesAuc };
}

export interface BenchPayload {
  batchSizes: number[];
  seconds: number;
  presets: string[];
  backend?: BackendName;
  compareTorch: boolean;
  /** Where ../shared/peer/torch_dlrm.py is, when compareTorch. */
  torchScript: string;
  /** 2: each step's batch is split over this worker and a helper thread (train/parallel.ts). */
  threads: 1 | 2;
  /** The worker entry that hosts the helper thread. */
  workerScript: string;
  /** Rounds alternating with the reference (bench.ts). */
  rounds: number;
}

export async function benchJob(raw: unknown, ctx: JobContext): Promise<BenchRow[]> {
  const p = raw as BenchPayload;
  const rows: BenchRow[] = [];
  for (const preset of p.presets) {
    if (preset !== 'criteo-kaggle') throw new Error(`the CPU benchmark covers the criteo-kaggle preset; got "${preset}"`);
    const result = await runBench({
      batchSizes: p.batchSizes,
      seconds: p.seconds,
      rounds: p.rounds,
      rowsPerTable: 100_000,
      ...(p.backend ? { backend: p.backend } : {}),
      torchScript: p.compareTorch ? p.torchScript : false,
      ...(p.threads === 2 ? { parallelWorkerScript: p.workerScript } : {}),
      log: (line) => ctx.emit({ type: 'log', line }),
    });
    for (const row of result.rows) {
      rows.push({
        preset,
        batchSize: row.batchSize,
        backend: result.backend,
        threads: row.threads,
        samplesPerSec: row.samplesPerSec,
        medianSamplesPerSec: row.medianSamplesPerSec,
        peakRssBytes: result.peakRssBytes,
        torchSamplesPerSec: row.torchSamplesPerSec,
        ratioToTorch: row.ratio,
        ratioRounds: row.roundRatios,
      });
    }
  }
  return rows;
}

export interface ScorePayload {
  runId: string;
  runDir: string;
  cacheDir: string;
  /** A Criteo file to score; absent: the run's own test split. */
  path?: string;
  /** predict: where to write one probability per line. */
  outPath?: string;
}

interface SavedPreprocessing {
  dataset: DatasetSpec;
  preprocessing: PreprocessingState;
}

function readPreprocessing(runDir: string): SavedPreprocessing {
  return JSON.parse(readFileSync(join(runDir, RUN_FILES.preprocessing), 'utf8')) as SavedPreprocessing;
}

export async function evaluateJob(raw: unknown, ctx: JobContext): Promise<EvaluateResult> {
  const p = raw as ScorePayload;
  await initBackend();
  const saved = readPreprocessing(p.runDir);
  const { model } = loadModel(join(p.runDir, RUN_FILES.model));
  try {
    let source;
    if (p.path) {
      source = (await prepareScoringFile(p.path, saved.preprocessing, { cacheDir: p.cacheDir, signal: ctx.signal })).source;
    } else {
      const prepared = await prepareDataset(saved.dataset, {
        cacheDir: p.cacheDir,
        hashSize: saved.preprocessing.hashSize,
        categorical: saved.preprocessing.categorical,
        minCount: saved.preprocessing.minCount,
        signal: ctx.signal,
      });
      source = prepared.test;
    }
    const batches = [...source.inOrder(4096)];
    const predictions = predictBatches(model, batches);
    const labels = new Float32Array(predictions.length);
    let at = 0;
    for (const b of batches) {
      labels.set(b.labels, at);
      at += b.size;
    }
    return { runId: p.runId, rows: predictions.length, metrics: computeMetrics(predictions, labels) };
  } finally {
    model.dispose();
  }
}

export async function predictJob(raw: unknown, ctx: JobContext): Promise<{ rows: number; outPath: string }> {
  const p = raw as ScorePayload;
  if (!p.path || !p.outPath) throw new Error('predict needs a file to score and an output path');
  await initBackend();
  const saved = readPreprocessing(p.runDir);
  const { model } = loadModel(join(p.runDir, RUN_FILES.model));
  try {
    const scoring = await prepareScoringFile(p.path, saved.preprocessing, { cacheDir: p.cacheDir, signal: ctx.signal });
    const out = createWriteStream(p.outPath);
    let rows = 0;
    for (const batch of scoring.source.inOrder(4096)) {
      const probabilities = model.predict(batch);
      let text = '';
      for (const value of probabilities) text += `${value.toPrecision(6)}\n`;
      if (!out.write(text)) await once(out, 'drain');
      rows += probabilities.length;
    }
    out.end();
    await once(out, 'finish');
    return { rows, outPath: p.outPath };
  } finally {
    model.dispose();
  }
}

export interface ComponentBenchPayload {
  kind: 'preprocess' | 'simulation' | 'projections' | 'parity' | 'gpu' | 'recommenders' | 'compression' | 'hybrid' | 'kaggle-scale';
  /** kaggle-scale: training steps (default 100). */
  steps?: number;
  /** hybrid: the worker entry its threads run (also the two-thread helper's), and alternating rounds (default 3). */
  workerScript?: string;
  rounds?: number;
  /** gpu: timed seconds per configuration (default 5) and batch sizes (default 2048, 16384). */
  seconds?: number;
  batchSizes?: number[];
  /** gpu: presets (default criteo-kaggle, terabyte), and at least this many timed steps (default 3). */
  presets?: string[];
  minSteps?: number;
  /** preprocess: rows of the generated file (default 1,000,000); parity: training rows (default 200,000); gpu: rows per table (default 100,000). */
  rows?: number;
  /** parity: epochs (default 3) and init seeds (default 1, 2); recommenders: the world's seed is seeds[0] (default 42). */
  epochs?: number;
  seeds?: number[];
  /** parity: where ../shared/peer/torch_dlrm.py is. */
  torchScript?: string;
  /** parity: folder for the generated files and their cache. */
  workDir?: string;
}

/** Benchmarks of the other engine parts, flattened to printable rows. */
export async function componentBenchJob(raw: unknown, ctx: JobContext): Promise<BenchFigures[]> {
  const p = raw as ComponentBenchPayload;
  const log = (line: string): void => ctx.emit({ type: 'log', line });
  switch (p.kind) {
    case 'preprocess': {
      const r = await benchPreprocess(p.rows ?? 1_000_000, { log });
      return [{ ...r } as unknown as BenchFigures];
    }
    case 'simulation': {
      const r = await benchSimulation();
      return [{ users: r.spec.users, items: r.spec.items, rounds: r.spec.rounds, retrainEvery: r.spec.retrainEvery, policies: r.spec.policies.map((x) => x.kind).join(','), seconds: r.millis / 1000, cpuSeconds: r.cpuMillis / 1000, millisPerRound: r.millisPerRound }];
    }
    case 'projections': {
      const rows = await benchProjections({ log });
      return rows.map((r) => ({ ...r }) as unknown as BenchFigures);
    }
    case 'parity':
      return parityBench(p, log);
    case 'compression': {
      // synthetic rows (default 250,000), one epoch unless --epochs; the prepared data is cached under workDir
      const r = await runCompressionBench({ rows: p.rows, epochs: p.epochs, seed: p.seeds?.[0], cacheDir: join(p.workDir ?? join(tmpdir(), 'dlrm-compression'), 'compression-cache'), log });
      return [...r.rows.map((row) => ({ ...row })), { variant: 'verdict', trainRows: r.trainRows, testRows: r.testRows, bayesAuc: r.bayesAuc, quarterGap: r.quarterGap, verdict: r.verdict }];
    }
    case 'recommenders':
      return recommenderBench(p, log);
    case 'kaggle-scale': {
      // rows default to Criteo Kaggle's 45,840,617; the text and its cache go under workDir and are deleted at the end
      const r = await runKaggleScaleBench({ rows: p.rows ?? KAGGLE_ROWS, workDir: join(p.workDir ?? tmpdir(), 'kaggle-scale'), steps: p.steps, batchSize: p.batchSizes?.[0], log });
      return [{ ...r, prepareWithinLimit: String(r.prepareWithinLimit), trainWithinLimit: String(r.trainWithinLimit), deleted: String(r.deleted) }];
    }
    case 'hybrid': {
      // one thread, the shared-table mode and hybrid on 1 and 2 workers, alternating in rounds
      if (!p.workerScript) throw new Error('the hybrid benchmark needs the worker script');
      return runHybridBench({ workerScript: p.workerScript, batchSizes: p.batchSizes ?? [128, 2048], seconds: p.seconds ?? 3, rounds: p.rounds ?? 3, rowsPerTable: p.rows ?? 100_000, log });
    }
    case 'gpu': {
      const r = await runGpuBench({
        presets: p.presets ?? ['criteo-kaggle', 'terabyte'],
        batchSizes: p.batchSizes ?? [2048, 16384],
        seconds: p.seconds ?? 5,
        rowsPerTable: p.rows,
        minSteps: p.minSteps,
        log,
      });
      return r.rows.map((row) => ({
        preset: row.preset,
        batchSize: row.batchSize,
        gpu: r.gpuDetail,
        webgpuStepSamplesPerSec: row.step?.samplesPerSec ?? null,
        webgpuStepOverTfjs: row.stepOverTfjs,
        webgpuStepOverCpu: row.stepOverCpu,
        gpuSamplesPerSec: row.gpu?.samplesPerSec ?? null,
        gpuDeviceTablesSamplesPerSec: row.gpuDeviceTables?.samplesPerSec ?? null,
        cpu: r.cpuDetail,
        cpuSamplesPerSec: row.cpu?.samplesPerSec ?? null,
        gpuOverCpu: row.ratio,
        error: row.stepError ?? row.gpuError ?? row.cpuError ?? null,
      }));
    }
  }
}

/**
 * Model-quality parity with ../shared/peer/torch_dlrm.py: the same synthetic train/test TSV files,
 * hashing, batch 128, SGD at 0.1, file order, for each seed; mean test AUC of both and the gap.
 */
async function parityBench(p: ComponentBenchPayload, log: (line: string) => void): Promise<BenchFigures[]> {
  const dir = p.workDir ?? join(tmpdir(), 'dlrm-parity');
  mkdirSync(dir, { recursive: true });
  const rows = p.rows ?? 200_000;
  const trainPath = join(dir, `train-${rows}.tsv`);
  const testPath = join(dir, `test-${rows}.tsv`);
  if (!existsSync(trainPath)) await writeSyntheticTsv(trainPath, rows, 11);
  if (!existsSync(testPath)) await writeSyntheticTsv(testPath, Math.round(rows / 4), 12);
  const result = await runParity({
    trainPath,
    testPath,
    seeds: p.seeds ?? [1, 2],
    epochs: p.epochs ?? 3,
    torchScript: p.torchScript ?? false,
    log,
    loadSources: async (train, test, tableRows) => {
      // valid = test so no training rows are carved off: both sides train on the same rows.
      const prepared = await prepareDataset({ kind: 'files', train, valid: test, test }, { cacheDir: join(dir, 'cache'), hashSize: tableRows, categorical: 'hash' });
      return { train: prepared.train, test: prepared.test, tableSizes: prepared.tableSizes };
    },
  });
  return [
    ...result.ours.map((o) => ({ side: 'dlrm-studio', seed: o.seed, testAuc: o.test.auc ?? null, testLogLoss: o.test.logLoss ?? null })),
    ...result.torch.map((t) => ({ side: 'torch_dlrm.py', seed: t.seed, testAuc: t.auc, testLogLoss: null })),
    { side: 'mean', seed: null, testAuc: result.oursMeanAuc, testLogLoss: null, torchMeanAuc: result.torchMeanAuc, gap: result.gap },
  ];
}

/**
 * CF, ALS, MF and DLRM on the simulator's log (engine/sim/recommender-comparison.ts): held-out
 * ranking metrics on a random log, then each as a closed-loop policy. One row per model and per policy.
 */
async function recommenderBench(p: ComponentBenchPayload, log: (line: string) => void): Promise<BenchFigures[]> {
  await initBackend();
  const models: DlrmClickModel[] = [];
  const seed = p.seeds?.[0] ?? 42;
  try {
    const result = await compareRecommenders({
      spec: { seed },
      log,
      dlrmTrainer: () => {
        const model = new DlrmClickModel({ seed });
        models.push(model);
        return model;
      },
    });
    const k = result.k;
    return [
      ...result.ranking.map((r) => ({
        part: `offline, held-out clicks of the last ${result.heldOutRounds} rounds`,
        model: r.model,
        [`ndcg@${k}`]: r.ndcg,
        [`precision@${k}`]: r.precision,
        [`recall@${k}`]: r.recall,
        users: r.users,
        fitSeconds: r.fitSeconds,
      })),
      ...result.loop.map((r) => ({
        part: `closed loop, mean of the last ${Math.max(1, Math.floor(result.spec.rounds / 4))} rounds`,
        model: r.policy,
        clickRate: r.clickRate,
        intraListDiversity: r.intraListDiversity,
        coverage: r.coverage,
        extremeShare: r.extremeShare,
      })),
    ];
  } finally {
    for (const model of models) model.dispose();
  }
}
