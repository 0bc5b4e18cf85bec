/**
 * The Kaggle-scale memory benchmark (issue #15): generate N rows of Criteo text with the Kaggle
 * cardinalities (../data/kaggle-scale.ts), prepare them into the binary cache with a vocabulary
 * (bounded counting, ../data/preprocess.ts), train DLRM (criteo-kaggle preset, D 16, row-wise Adagrad)
 * for a bounded number of steps on full-size tables (one row per value in the vocabulary) reading the
 * cache in chunks, then delete the generated file and the cache.
 *
 * Peak RSS: per phase, Linux's VmHWM reset at the phase's start (/proc/self/clear_refs); the lifetime
 * figures are the largest of those and process.resourceUsage().maxRSS: the one after preparing covers
 * generation and preparation, the one after training covers everything. In the app the job runs
 * in a worker thread, so the figure includes the CLI and service of the same process (an upper bound).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { secondsLeftAtPace } from '../../domain';
import { prepareDataset } from '../data/prepare';
import type { PreparePhase } from '../data/prepare';
import { KAGGLE_CARDINALITIES, writeKaggleScaleFile } from '../data/kaggle-scale';
import { initBackend } from '../backend';
import { presetModel } from '../model/presets';
import { DlrmTrainer } from './trainer';

export interface KaggleScaleBenchOptions {
  /** Rows of the generated file (Criteo Kaggle: 45,840,617). */
  rows: number;
  /** Folder for the generated file and its cache (both deleted at the end). */
  workDir: string;
  /** Training steps (default 100) at batchSize (default 2048). */
  steps?: number;
  batchSize?: number;
  /** Vocabulary counter cap per feature (default 2^24: exact, full-size tables at Kaggle scale). */
  maxDistinctPerFeature?: number;
  seed?: number;
  log: (line: string) => void;
}

export interface KaggleScaleBenchResult {
  rows: number;
  fileBytes: number;
  generateSeconds: number;
  prepareSeconds: number;
  /** Text MB (10^6 bytes) per second of preparation (both passes). */
  prepareMBps: number;
  /** Lifetime peak RSS after preparing (bytes). */
  preparePeakRssBytes: number;
  /**
   * Peak RSS within each phase (bytes; Linux's VmHWM, reset at each phase's start through
   * /proc/self/clear_refs), null where the system cannot reset it: generate, count (the vocabulary's
   * counting pass), vocabulary (ranking and lookups), parse (rows into the cache, with the stats),
   * write (stats, vocabulary and header files) and train (tables allocated, the steps).
   */
  generatePeakRssBytes: number | null;
  countPeakRssBytes: number | null;
  vocabularyPeakRssBytes: number | null;
  parsePeakRssBytes: number | null;
  writePeakRssBytes: number | null;
  trainPhasePeakRssBytes: number | null;
  /** Total rows of the 26 tables and the bytes of tables (fp32) plus row-wise Adagrad state. */
  tableRows: number;
  tableBytes: number;
  trainSteps: number;
  trainSamplesPerSec: number;
  /** Lifetime peak RSS after training (bytes). */
  trainPeakRssBytes: number;
  /** Largest RSS sampled after allocating the model and after each training step (bytes). */
  trainSampledPeakRssBytes: number;
  /** preparePeakRssBytes <= 1 GiB; trainPeakRssBytes <= tableBytes + 1 GiB. */
  prepareWithinLimit: boolean;
  trainWithinLimit: boolean;
  deleted: boolean;
}

const GIB = 2 ** 30;
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

const maxRssBytes = (): number => process.resourceUsage().maxRSS * 1024;

/** Linux's peak resident set (VmHWM) in bytes, or null where /proc/self/status has none. */
function highWaterRssBytes(): number | null {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Resets VmHWM to the current RSS (Linux 4.0+); false where that is not possible. */
function resetHighWaterRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Peak RSS per phase: each phase starts by resetting the high-water mark; its end reads it. Logs the
 * RSS and V8's heap / typed-array bytes at every boundary.
 */
class PhaseMemory {
  readonly peaks = new Map<string, number | null>();
  private current: string | null = null;
  private resettable = true;
  /** The lifetime peak before the first reset (a reset lowers what getrusage reports too). */
  private readonly before = maxRssBytes();

  constructor(private readonly log: (line: string) => void) {}

  /** Peak RSS of the process so far: the phases' peaks, the peak before them, and getrusage's figure. */
  lifetimePeak(): number {
    let peak = Math.max(this.before, maxRssBytes(), (this.resettable ? highWaterRssBytes() : null) ?? 0);
    for (const phasePeak of this.peaks.values()) peak = Math.max(peak, phasePeak ?? 0);
    return peak;
  }

  /** Ends the current phase (recording its peak) and starts `next` (null: none). */
  enter(next: string | null): void {
    const usage = process.memoryUsage();
    if (this.current !== null) {
      const peak = this.resettable ? highWaterRssBytes() : null;
      this.peaks.set(this.current, peak);
      this.log(
        `memory: end of ${this.current}: peak RSS in the phase ${peak === null ? 'unknown (no resettable VmHWM)' : mib(peak)}; ` +
          `RSS ${mib(usage.rss)}, V8 heap ${mib(usage.heapUsed)}, typed arrays ${mib(usage.arrayBuffers)}`,
      );
    }
    if (next !== null) this.resettable = resetHighWaterRss() && highWaterRssBytes() !== null;
    this.current = next;
  }

  peak(phase: string): number | null {
    return this.peaks.get(phase) ?? null;
  }
}

/** Elapsed time and the ETA of a phase from its done fraction. */
function eta(started: number, fraction: number): string {
  const elapsed = (performance.now() - started) / 1000;
  const left = secondsLeftAtPace(fraction, elapsed);
  return `${elapsed.toFixed(0)} s elapsed, ETA ${left !== null ? left.toFixed(0) : '?'} s`;
}

export async function runKaggleScaleBench(options: KaggleScaleBenchOptions): Promise<KaggleScaleBenchResult> {
  const { rows, log } = options;
  const steps = options.steps ?? 100;
  const batchSize = options.batchSize ?? 2048;
  mkdirSync(options.workDir, { recursive: true });
  const textPath = join(options.workDir, `kaggle-scale-${rows}.txt`);
  const cacheDir = join(options.workDir, 'kaggle-scale-cache');
  let deleted = false;
  const cleanUp = (): void => {
    rmSync(textPath, { force: true });
    rmSync(cacheDir, { recursive: true, force: true });
    deleted = !existsSync(textPath) && !existsSync(cacheDir);
  };
  const phases = new PhaseMemory(log);
  try {
    // 1. generate
    phases.enter('generate');
    log(`generating ${rows} rows with the Kaggle cardinalities into ${textPath}`);
    let started = performance.now();
    const fileBytes = await writeKaggleScaleFile(textPath, {
      rows,
      seed: options.seed ?? 1,
      onProgress: (done, bytes) => {
        if (done % Math.max(1, Math.floor(rows / 10)) < Math.max(1, Math.floor(rows / 100))) log(`generate: ${((100 * done) / rows).toFixed(0)}%, ${mib(bytes)} written, ${eta(started, done / rows)}`);
      },
    });
    const generateSeconds = (performance.now() - started) / 1000;
    log(`generated ${mib(fileBytes)} in ${generateSeconds.toFixed(1)} s (${(fileBytes / 1e6 / generateSeconds).toFixed(1)} MB/s), peak RSS so far ${mib(phases.lifetimePeak())}`);

    // 2. prepare (vocabulary, min count 1: one table row per distinct value)
    started = performance.now();
    let lastLogged = -1;
    // only the training source and the table sizes outlive this phase: the vocabulary's lookup maps
    // (inside the prepared dataset's preprocessor) can be collected before the tables are allocated
    const { train, tableSizes } = await prepareDataset(
      { kind: 'file', path: textPath, split: 'days7' },
      {
        cacheDir,
        hashSize: 2 ** 31 - 1,
        categorical: 'vocab',
        minCount: 1,
        maxDistinctPerFeature: options.maxDistinctPerFeature ?? 2 ** 24,
        onPhase: (phase: PreparePhase) => phases.enter(phase),
        onProgress: (fraction, message) => {
          const tenth = Math.floor(fraction * 20);
          if (tenth > lastLogged) {
            lastLogged = tenth;
            log(`prepare: ${(fraction * 100).toFixed(0)}%, ${eta(started, fraction)}, RSS ${mib(process.memoryUsage().rss)}: ${message}`);
          }
        },
      },
    ).then((prepared) => ({ train: prepared.train, tableSizes: prepared.tableSizes }));
    phases.enter('train');
    const prepareSeconds = (performance.now() - started) / 1000;
    const preparePeakRssBytes = phases.lifetimePeak();
    const prepareMBps = (2 * fileBytes) / 1e6 / prepareSeconds;
    const tableRows = tableSizes.reduce((a, b) => a + b, 0);
    log(
      `prepared in ${prepareSeconds.toFixed(1)} s (${prepareMBps.toFixed(1)} MB/s over 2 passes of the text), peak RSS ${mib(preparePeakRssBytes)} ` +
        `(limit 1024 MiB); tables ${tableRows} rows (Kaggle: ${KAGGLE_CARDINALITIES.reduce((a, b) => a + b, 0)} values): ${tableSizes.join(', ')}`,
    );

    // 3. train on full-size tables, reading the cache in chunks
    const backend = await initBackend();
    log(`backend ${backend.name}: ${backend.detail}`);
    const model = { ...presetModel('criteo-kaggle'), embeddingDim: 16, hashSize: Math.max(...tableSizes) };
    const tableBytes = tableRows * (16 * 4 + 4);
    log(`allocating tables: ${tableRows} rows x 16 x 4 bytes + row-wise Adagrad ${tableRows} x 4 bytes = ${mib(tableBytes)}`);
    const trainer = new DlrmTrainer({
      model,
      optimizer: { dense: 'adam', sparse: 'rowwise-adagrad', learningRate: 0.01, warmupSteps: 0, decay: 'none' },
      train: { batchSize, epochs: 1, evalEvery: 0, seed: 1, maxBadRowShare: 1, checkpointEvery: 0 },
      tableSizes,
    });
    let trainSteps = 0;
    let timedSeconds = 0;
    let trainSampledPeakRssBytes = 0;
    try {
      started = performance.now();
      let timedFrom = 0;
      trainSampledPeakRssBytes = process.memoryUsage().rss;
      for (const batch of train.batches(0, batchSize, 1)) {
        if (trainSteps === 3) timedFrom = performance.now(); // the first steps warm up
        trainer.step(batch, 0.01);
        trainSteps++;
        trainSampledPeakRssBytes = Math.max(trainSampledPeakRssBytes, process.memoryUsage().rss);
        if (trainSteps % Math.max(1, Math.floor(steps / 10)) === 0) log(`train: step ${trainSteps}/${steps}, ${eta(started, trainSteps / steps)}, RSS ${mib(process.memoryUsage().rss)}`);
        if (trainSteps >= steps) break;
      }
      timedSeconds = trainSteps > 3 ? (performance.now() - timedFrom) / 1000 : 0;
    } finally {
      trainer.dispose();
    }
    const trainSamplesPerSec = timedSeconds > 0 ? ((trainSteps - 3) * batchSize) / timedSeconds : 0;
    phases.enter(null);
    const trainPeakRssBytes = phases.lifetimePeak();
    log(
      `trained ${trainSteps} steps of ${batchSize}: ${trainSamplesPerSec.toFixed(0)} samples/s after 3 warm-up steps; RSS during training up to ` +
        `${mib(trainSampledPeakRssBytes)} (sampled after each step), lifetime peak ${mib(trainPeakRssBytes)} (limit ${mib(tableBytes + GIB)})`,
    );
    const fileSize = existsSync(textPath) ? statSync(textPath).size : 0;
    cleanUp();
    log(`deleted the generated file (${mib(fileSize)}) and its cache: ${deleted ? 'yes' : 'NO'}`);
    return {
      rows,
      fileBytes,
      generateSeconds,
      prepareSeconds,
      prepareMBps,
      preparePeakRssBytes,
      generatePeakRssBytes: phases.peak('generate'),
      countPeakRssBytes: phases.peak('count'),
      vocabularyPeakRssBytes: phases.peak('vocabulary'),
      parsePeakRssBytes: phases.peak('parse'),
      writePeakRssBytes: phases.peak('write'),
      trainPhasePeakRssBytes: phases.peak('train'),
      tableRows,
      tableBytes,
      trainSteps,
      trainSamplesPerSec,
      trainPeakRssBytes,
      trainSampledPeakRssBytes,
      prepareWithinLimit: preparePeakRssBytes <= GIB,
      trainWithinLimit: Math.max(trainPeakRssBytes, trainSampledPeakRssBytes) <= tableBytes + GIB,
      deleted,
    };
  } finally {
    if (!deleted) cleanUp();
  }
}
