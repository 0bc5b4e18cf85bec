/**
 * Training-speed benchmark of the criteo-kaggle preset (26 tables x rowsPerTable rows, d 16) on random
 * skewed batches, reporting samples/s per batch size and peak memory, and, where /usr/bin/python3 can
 * import torch, the same measurement of the PyTorch reference (../shared/peer/torch_dlrm.py bench) run
 * in the same invocation, with the ratio.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BackendName } from '../../domain';
import { initBackend } from '../backend';
import type { Batch } from '../data/types';
import { needsAsyncReads, stepAsync } from '../gpu/device-step';
import { presetModel } from '../model/presets';
import { Rng } from '../random/rng';
import { randomBatch } from './testing';
import { ParallelStepper } from './parallel';
import { DlrmTrainer } from './trainer';

export interface BenchOptions {
  batchSizes: number[];
  /** Timed seconds per batch size (after a warm-up), over all rounds. */
  seconds: number;
  /**
   * Rounds per batch size (default 3): ours and the reference alternate, each timed seconds/rounds
   * per round, and the ratio is the median of the rounds' ratios. This machine's speed drifts by
   * about 30% from minute to minute; alternating keeps both sides of a ratio in the same minute.
   */
  rounds?: number;
  rowsPerTable: number;
  /** Force a backend (default: the automatic choice). */
  backend?: BackendName;
  /** Path of torch_dlrm.py; default ../shared/peer/torch_dlrm.py from the working directory. false: skip. */
  torchScript?: string | false;
  /** Timed steps of each torch run (default: about a round's worth, at least 10). */
  torchSteps?: number;
  /** Stands in for the torch run (tests of the rounds' bookkeeping); used instead of torchScript. */
  reference?: (batchSize: number, steps: number) => { samplesPerSec: number | null; line: string };
  /** Two threads (see parallel.ts): the bundled training worker script. Omitted: one thread. */
  parallelWorkerScript?: string | URL;
  /** Progress lines (default console.log). */
  log?: (line: string) => void;
}

export interface BenchRow {
  batchSize: number;
  steps: number;
  /** Samples over the wall time of all timed steps. */
  samplesPerSec: number;
  /** Batch size over the median step time: the statistic torch_dlrm.py bench reports. */
  medianSamplesPerSec: number;
  /** Threads that computed each step (2 only on host backends: see parallel.ts). */
  threads: 1 | 2;
  /** Samples per second of this process's CPU time (less sensitive to other load on the machine). */
  cpuSamplesPerSec: number;
  /** Median over the rounds of the reference's samples/s (its median step). */
  torchSamplesPerSec: number | null;
  /** Median over the rounds of (our median-step samples/s / the reference's), both from the same round. */
  ratio: number | null;
  /** The ratio of each round. */
  roundRatios: number[];
}

export interface BenchResult {
  backend: string;
  detail: string;
  rowsPerTable: number;
  rows: BenchRow[];
  peakRssBytes: number;
  torch: { available: boolean; detail: string };
}

const PYTHON = '/usr/bin/python3';

function torchAvailable(): { available: boolean; detail: string } {
  if (!fs.existsSync(PYTHON)) return { available: false, detail: `${PYTHON} not found` };
  const r = spawnSync(PYTHON, ['-c', 'import torch, numpy; print(torch.__version__, torch.get_num_threads())'], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) return { available: false, detail: `python3 cannot import torch: ${(r.stderr || '').trim().split('\n').pop() ?? ''}` };
  const [version, threads] = r.stdout.trim().split(' ');
  return { available: true, detail: `torch ${version}, ${threads} thread(s)` };
}

function runTorch(script: string, batchSize: number, steps: number, rows: number): { samplesPerSec: number | null; line: string } {
  const r = spawnSync(PYTHON, [script, 'bench', '--batch', String(batchSize), '--steps', String(steps), '--table-rows', String(rows)], {
    encoding: 'utf8',
    timeout: 30 * 60_000,
  });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const m = /samples_per_s=([0-9.]+)/.exec(out);
  const info = out.split('\n').find((l) => l.startsWith('torch=')) ?? out.trim().split('\n').pop() ?? '';
  return { samplesPerSec: m ? Number(m[1]) : null, line: info };
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  let peakRss = process.memoryUsage().rss;
  const sampleRss = () => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  };
  const backend = await initBackend(options.backend);
  log(`backend ${backend.name}: ${backend.detail}`);
  const rounds = options.rounds ?? 3;
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`rounds must be a positive integer, got ${rounds}`);

  let torch = { available: false, detail: 'skipped' };
  let reference = options.reference ?? null;
  if (reference) {
    torch = { available: true, detail: 'a stand-in reference' };
  } else if (options.torchScript !== false) {
    const script = options.torchScript ?? path.resolve(process.cwd(), '../shared/peer/torch_dlrm.py');
    torch = fs.existsSync(script) ? torchAvailable() : { available: false, detail: `${script} not found` };
    log(`reference: ${torch.detail}`);
    if (torch.available) reference = (batchSize, steps) => runTorch(script, batchSize, steps, options.rowsPerTable);
  }

  const model = { ...presetModel('criteo-kaggle'), hashSize: options.rowsPerTable };
  const tableSizes = Array.from({ length: 26 }, () => options.rowsPerTable);
  const rows: BenchRow[] = [];
  for (const batchSize of options.batchSizes) {
    const trainer = new DlrmTrainer({
      model,
      optimizer: { dense: 'sgd', sparse: 'sgd', learningRate: 0.1, warmupSteps: 0, decay: 'none' },
      train: { batchSize, epochs: 1, evalEvery: 0, seed: 1, maxBadRowShare: 1, checkpointEvery: 0 },
      tableSizes,
    });
    // the second thread helps host backends only (as in run-training.ts)
    const twoThreads = options.parallelWorkerScript !== undefined && (backend.name === 'wasm' || backend.name === 'cpu');
    const stepper = twoThreads && options.parallelWorkerScript ? await ParallelStepper.start(trainer, options.parallelWorkerScript, backend.name) : null;
    // webgpu cannot read synchronously in Node: its steps await their reads (gpu/device-step.ts)
    const step = async (batch: Batch) =>
      stepper ? stepper.step(batch, 0.1) : needsAsyncReads() ? stepAsync(trainer, batch, 0.1) : trainer.step(batch, 0.1);
    const rng = new Rng(42);
    // skewed ids (index = rows * u^3) so that duplicates occur inside a batch, as in the probe
    const pool: Batch[] = Array.from({ length: 4 }, () => randomBatch(rng, { batchSize, numDense: 13, tableSizes, skew: 3 }));
    for (let i = 0; i < 3; i++) await step(pool[i % 4]);
    sampleRss();
    let steps = 0;
    let seconds = 0;
    let cpuSeconds = 0;
    const allStepMillis: number[] = [];
    const torchRounds: number[] = [];
    const roundRatios: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const stepMillis: number[] = [];
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      while ((performance.now() - start) / 1000 < options.seconds / rounds || stepMillis.length < 3) {
        const stepStart = performance.now();
        await step(pool[steps % 4]);
        stepMillis.push(performance.now() - stepStart);
        steps++;
        sampleRss();
      }
      const roundSeconds = (performance.now() - start) / 1000;
      const cpu = process.cpuUsage(cpuStart);
      seconds += roundSeconds;
      cpuSeconds += (cpu.user + cpu.system) / 1e6;
      allStepMillis.push(...stepMillis);
      const ours = batchSize / (median(stepMillis) / 1000);
      let line = `batch ${batchSize}, round ${round + 1}/${rounds}: ${ours.toFixed(0)} samples/s by the median step`;
      if (reference) {
        const t = reference(batchSize, options.torchSteps ?? Math.max(10, stepMillis.length));
        if (t.samplesPerSec) {
          torchRounds.push(t.samplesPerSec);
          roundRatios.push(ours / t.samplesPerSec);
          line += `; torch ${t.samplesPerSec.toFixed(0)} (${t.line}), ratio ${(ours / t.samplesPerSec).toFixed(3)}`;
        } else {
          line += `; torch gave no figure (${t.line})`;
        }
      }
      log(line);
    }
    const samplesPerSec = (steps * batchSize) / seconds;
    const medianSamplesPerSec = batchSize / (median(allStepMillis) / 1000);
    const cpuSamplesPerSec = (steps * batchSize) / cpuSeconds;
    const ratio = roundRatios.length > 0 ? median(roundRatios) : null;
    log(
      `batch ${batchSize}: ${steps} steps in ${seconds.toFixed(1)} s = ${samplesPerSec.toFixed(0)} samples/s, ` +
        `${medianSamplesPerSec.toFixed(0)} by the median step (${cpuSamplesPerSec.toFixed(0)} per CPU-second)` +
        (ratio !== null ? `; median ratio to torch over ${roundRatios.length} rounds ${ratio.toFixed(3)}` : ''),
    );
    rows.push({
      batchSize,
      steps,
      samplesPerSec,
      medianSamplesPerSec,
      threads: stepper ? 2 : 1,
      cpuSamplesPerSec,
      torchSamplesPerSec: torchRounds.length > 0 ? median(torchRounds) : null,
      ratio,
      roundRatios,
    });
    if (stepper) await stepper.dispose();
    trainer.dispose();
  }
  peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
  log(`peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
  return { backend: backend.name, detail: backend.detail, rowsPerTable: options.rowsPerTable, rows, peakRssBytes: peakRss, torch };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
