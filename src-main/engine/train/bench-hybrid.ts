/**
 * Benchmark of the parallel modes side by side (`node out/main/cli.js bench hybrid`): DLRM
 * criteo-kaggle (26 tables of rowsPerTable rows) trained on random skewed batches by
 *   one thread; the shared-table mode on 2 threads (parallel.ts: replicas over shared tables);
 *   hybrid on 1, 2 (and more) workers (hybrid.ts: tables sharded by the planner, all-to-all, all-reduce).
 * Modes alternate within each round (this machine's speed drifts), and each figure is the median
 * over the rounds of batch / median step time. Hybrid rows carry the measured milliseconds per step
 * of each phase on the training thread, and the planner's bytes per step.
 */
import type { BackendName, BenchFigures } from '../../domain';
import { initBackend } from '../backend';
import type { Batch } from '../data/types';
import { presetModel } from '../model';
import { Rng } from '../random/rng';
import { HybridStepper, HYBRID_PHASES } from './hybrid';
import { ParallelStepper } from './parallel';
import { proposePlan } from './sharding-plan';
import { randomBatch } from './testing';
import { DlrmTrainer, type TrainJob } from './trainer';

export interface HybridBenchOptions {
  workerScript: string;
  batchSizes: number[];
  /** Timed seconds per mode and round. */
  seconds: number;
  rounds: number;
  rowsPerTable: number;
  /** Hybrid worker counts to run (default 1, 2). */
  workers?: number[];
  backend?: BackendName;
  log?: (line: string) => void;
}

type Mode = { name: string; kind: 'one' | 'shared' | 'hybrid'; workers: number };

const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function runHybridBench(options: HybridBenchOptions): Promise<BenchFigures[]> {
  const log = options.log ?? ((line: string) => console.log(line));
  const backend = await initBackend(options.backend ?? 'wasm');
  if (backend.name !== 'wasm' && backend.name !== 'cpu') throw new Error(`the parallel modes run on the wasm and cpu backends, not ${backend.name}`);
  log(`backend ${backend.name}: ${backend.detail}`);
  const model = { ...presetModel('criteo-kaggle'), hashSize: options.rowsPerTable };
  const tableSizes = Array.from({ length: 26 }, () => options.rowsPerTable);
  const modes: Mode[] = [
    { name: 'one thread', kind: 'one', workers: 1 },
    { name: 'shared tables, 2 threads', kind: 'shared', workers: 2 },
    ...(options.workers ?? [1, 2]).map((w): Mode => ({ name: `hybrid, ${w} worker${w > 1 ? 's' : ''}`, kind: 'hybrid', workers: w })),
  ];
  const rows: BenchFigures[] = [];
  for (const batchSize of options.batchSizes) {
    const job: TrainJob = {
      model,
      optimizer: { dense: 'sgd', sparse: 'sgd', learningRate: 0.1, warmupSteps: 0, decay: 'none' },
      train: { batchSize, epochs: 1, evalEvery: 0, seed: 1, maxBadRowShare: 1, checkpointEvery: 0 },
      tableSizes,
    };
    const rng = new Rng(42);
    const pool: Batch[] = Array.from({ length: 4 }, () => randomBatch(rng, { batchSize, numDense: 13, tableSizes, skew: 3 }));
    const rates = new Map<string, number[]>();
    const phases = new Map<string, Record<string, number>[]>();
    let planNote: BenchFigures = {};
    for (let round = 0; round < options.rounds; round++) {
      for (const mode of modes) {
        const trainer = new DlrmTrainer(job);
        let shared: ParallelStepper | null = null;
        let hybrid: HybridStepper | null = null;
        try {
          if (mode.kind === 'shared') shared = await ParallelStepper.start(trainer, options.workerScript, backend.name);
          if (mode.kind === 'hybrid') {
            const planned = proposePlan({ tableSizes, embeddingDim: model.embeddingDim, workers: mode.workers, batchSize, denseParamCount: trainer.denseVariables().reduce((n, v) => n + v.size, 0), denseOptimizer: 'sgd', sparseOptimizer: 'sgd' });
            hybrid = await HybridStepper.start(trainer, planned.plan, options.workerScript, backend.name);
            if (mode.workers === 2) planNote = { allToAllKiBPerStep: Math.round(planned.cost.allToAllBytesPerStep / 1024), allReduceKiBPerWorkerPerStep: Math.round(planned.cost.allReduceBytesPerWorkerPerStep / 1024) };
          }
          const step = async (batch: Batch): Promise<number> => (hybrid ? hybrid.step(batch, 0.1) : shared ? shared.step(batch, 0.1) : trainer.step(batch, 0.1));
          for (let i = 0; i < 3; i++) await step(pool[i % 4]);
          hybrid?.windowTimings();
          const stepMillis: number[] = [];
          const start = performance.now();
          while ((performance.now() - start) / 1000 < options.seconds || stepMillis.length < 3) {
            const t = performance.now();
            await step(pool[stepMillis.length % 4]);
            stepMillis.push(performance.now() - t);
          }
          const rate = batchSize / (median(stepMillis) / 1000);
          rates.set(mode.name, [...(rates.get(mode.name) ?? []), rate]);
          if (hybrid) phases.set(mode.name, [...(phases.get(mode.name) ?? []), { ...hybrid.windowTimings().main }]);
          log(`batch ${batchSize}, round ${round + 1}/${options.rounds}, ${mode.name}: ${rate.toFixed(0)} samples/s (median step of ${stepMillis.length})`);
        } finally {
          await shared?.dispose();
          await hybrid?.dispose();
          trainer.dispose();
        }
      }
    }
    const oneThread = median(rates.get('one thread') ?? [NaN]);
    for (const mode of modes) {
      const rate = median(rates.get(mode.name) ?? [NaN]);
      const row: BenchFigures = { batchSize, mode: mode.name, samplesPerSec: Math.round(rate), overOneThread: Number((rate / oneThread).toFixed(3)) };
      const timed = phases.get(mode.name);
      if (timed) {
        for (const phase of HYBRID_PHASES) row[`ms_${phase}`] = Number(median(timed.map((t) => t[phase])).toFixed(3));
        if (mode.workers === 2) Object.assign(row, planNote);
      }
      rows.push(row);
    }
  }
  return rows;
}
