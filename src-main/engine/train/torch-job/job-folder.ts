/**
 * Over 400 lines: a job folder's writer, its readers (config, weights with row ranges, log lines) and its README text share one layout, kept in one place.
 * Job folders for PyTorch's torch.distributed: writing one from a run's configuration and data
 * (job.json, the preprocessed splits, the app's initial weights for the run's seed, the training
 * script, a README), reading the weights its ranks write back, and parsing its metrics log.
 *
 * Layout of a job folder (little-endian throughout):
 *   job.json                     TorchJobConfig
 *   train_dlrm_hybrid.py         the training script (hybrid model/data parallel; see its docstring)
 *   README.md                    how to launch it on one machine and on a cluster
 *   data/<split>.labels.u8       [N] labels 0/1            (split: train, valid, test)
 *   data/<split>.dense.f32       [N, I] log(max(x,0)+1)    row-major float32
 *   data/<split>.categorical.i32 [N, F] table row of each categorical feature, int32
 *   init/weights.bin             tensor file "dlrm-studio-torch-init": table/<f> [rows_f, D], dense/<i>
 *                                (per layer weight [K, N] then bias [N], bottom then top)
 *   app/                         what the app needs to import the result (preprocessing, feature stats)
 *   torchrec/day_<k>_{dense,sparse,labels}.npy  the same rows in TorchRec's per-day layout (torchrec-npy.ts),
 *                                when the model has Criteo's 13 dense and 26 categorical features
 *   output/                      written by the script: metrics.jsonl, weights-rank<r>.bin, test-predictions.f32
 * The train split is stored in the order of the app's first epoch for the run's seed, so a 1-epoch
 * job sees exactly the batches the app would.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModelWeights } from '../../model/ctr-model';
import type { Batch } from '../../data/types';
import type { BatchSourceLike } from '../../data/batch-source';
import { orderedBatches } from '../../data/batch-source';
import { createModel } from '../../model/models';
import { Dlrm } from '../../model/dlrm';
import type { DatasetSpec, TablePlacement, TorchJobConfig, TorchJobEvent, TorchrecLayout } from '../../../domain';
import { readTensorFile, writeTensorFile } from '../tensor-file';
import type { TrainJob } from '../trainer';
import { TORCH_JOB_SCRIPT } from './script';
import { TorchrecDaysWriter, torchrecCommand, torchrecLayoutRefusal } from './torchrec-npy';

export const TORCH_JOB_FILES = {
  config: 'job.json',
  script: 'train_dlrm_hybrid.py',
  readme: 'README.md',
  data: 'data',
  init: 'init/weights.bin',
  app: 'app',
  output: 'output',
  log: 'metrics.jsonl',
  testPredictions: 'test-predictions.f32',
  torchrec: 'torchrec',
} as const;

export const TORCH_INIT_FORMAT = 'dlrm-studio-torch-init';
export const TORCH_WEIGHTS_FORMAT = 'dlrm-studio-torch-weights';

export interface WriteTorchJobInput {
  /** The folder to create (must not exist, or be empty). */
  dir: string;
  job: TrainJob;
  data: { train: BatchSourceLike; valid?: BatchSourceLike; test?: BatchSourceLike };
  plan: TablePlacement;
  runId: string | null;
  runName: string | null;
  dataset: DatasetSpec;
  /** Files to copy into app/ (name -> contents), e.g. the run's preprocessing and feature stats. */
  appFiles?: Record<string, Buffer | string>;
  onProgress?: (fraction: number, message: string) => void;
  signal?: AbortSignal;
  /** TorchRec's per-day .npy copy: false to leave it out; dayRows: rows per training day file (default 4,000,000). */
  torchrec?: false | { dayRows?: number };
}

/** Writes a job folder; returns the bytes written. Needs a tfjs backend (the initial weights are the app's). */
export function writeTorchJob(input: WriteTorchJobInput): { bytes: number; config: TorchJobConfig } {
  const { dir, job, data, plan } = input;
  if (job.model.kind !== 'dlrm') throw userError(`only DLRM runs can be exported as a torch.distributed job (this run is "${job.model.kind}")`);
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) throw userError(`${dir} exists and is not empty: choose a new folder for the job`);
  checkPlacement(plan, job.tableSizes.length, job.tableSizes);
  fs.mkdirSync(path.join(dir, TORCH_JOB_FILES.data), { recursive: true });
  fs.mkdirSync(path.join(dir, 'init'), { recursive: true });
  let bytes = 0;

  const model = createModel(job.model, job.tableSizes, job.train.seed, job.numDense === undefined ? {} : { numDense: job.numDense });
  let arch: TorchJobConfig['architecture'];
  try {
    if (!(model instanceof Dlrm)) throw new Error('expected a DLRM');
    arch = {
      numDense: model.arch.numDense,
      numFeatures: model.arch.numFeatures,
      embeddingDim: model.arch.embeddingDim,
      bottomSizes: [...model.arch.bottomSizes],
      topSizes: [...model.arch.topSizes],
      interaction: model.arch.interaction,
    };
    const weights: ModelWeights = model.weights();
    bytes += writeTensorFile(path.join(dir, TORCH_JOB_FILES.init), TORCH_INIT_FORMAT, { seed: job.train.seed }, [
      ...weights.tables.map((t, f) => ({ name: `table/${f}`, data: t })),
      ...weights.dense.map((d, i) => ({ name: `dense/${i}`, data: d })),
    ]);
  } finally {
    model.dispose();
  }

  // TorchRec's layout, beside the column files, when the model has Criteo's shape
  const torchrecRefusal = input.torchrec === false ? 'left out on request' : torchrecLayoutRefusal(arch.numDense, arch.numFeatures);
  const torchrecDir = path.join(dir, TORCH_JOB_FILES.torchrec);
  const torchrecWriter = torchrecRefusal === null ? new TorchrecDaysWriter(torchrecDir, input.torchrec ? input.torchrec.dayRows : undefined) : null;
  const totalRows = data.train.numRows + (data.valid?.numRows ?? 0) + (data.test?.numRows ?? 0);
  let written = 0;
  const report = (split: string) => input.onProgress?.(totalRows > 0 ? written / totalRows : 1, `writing the ${split} split`);
  const writeSplit = (name: 'train' | 'valid' | 'test', batches: Iterable<Batch> | null): number => {
    const writer = new SplitWriter(path.join(dir, TORCH_JOB_FILES.data, name), arch.numDense, arch.numFeatures);
    try {
      if (batches) {
        for (const batch of batches) {
          if (input.signal?.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
          writer.add(batch);
          if (name === 'train') torchrecWriter?.addTrain(batch);
          else torchrecWriter?.addEval(batch);
          written += batch.size;
          report(name);
        }
      }
    } finally {
      writer.close();
    }
    bytes += writer.bytes;
    return writer.rows;
  };
  let rows: TorchJobConfig['rows'];
  let torchrec: TorchrecLayout;
  try {
    rows = {
      // the app's first epoch, batch by batch: a 1-epoch job trains on exactly the app's batches
      train: writeSplit('train', data.train.batches(0, job.train.batchSize, job.train.seed)),
      // valid before test: TorchRec's loader takes the first half of day 23 as validation
      valid: writeSplit('valid', data.valid ? orderedBatches(data.valid, 4096) : null),
      test: writeSplit('test', data.test ? orderedBatches(data.test, 4096) : null),
    };
  } finally {
    const closed = torchrecWriter?.close();
    if (closed) bytes += closed.bytes;
    torchrec = closed
      ? {
          folder: TORCH_JOB_FILES.torchrec,
          days: closed.days,
          command: torchrecCommand({ npyDir: `<job folder>/${TORCH_JOB_FILES.torchrec}`, ranks: plan.worldSize, tableSizes: job.tableSizes, embeddingDim: arch.embeddingDim, bottomSizes: arch.bottomSizes, topSizes: arch.topSizes, batchSize: job.train.batchSize, epochs: job.train.epochs, learningRate: job.optimizer.learningRate }),
        }
      : { folder: null, reason: torchrecRefusal ?? 'not written' };
  }

  if (input.appFiles) {
    fs.mkdirSync(path.join(dir, TORCH_JOB_FILES.app), { recursive: true });
    for (const [name, contents] of Object.entries(input.appFiles)) {
      fs.writeFileSync(path.join(dir, TORCH_JOB_FILES.app, name), contents);
      bytes += Buffer.byteLength(contents);
    }
  }
  const config: TorchJobConfig = {
    format: 'dlrm-studio-torch-job',
    version: 1,
    runId: input.runId,
    runName: input.runName,
    dataset: input.dataset,
    model: job.model,
    optimizer: job.optimizer,
    train: job.train,
    tableSizes: [...job.tableSizes],
    architecture: arch,
    rows,
    plan,
    createdAt: new Date().toISOString(),
    torchrec,
  };
  const texts: [string, string][] = [
    [TORCH_JOB_FILES.config, `${JSON.stringify(config, null, 2)}\n`],
    [TORCH_JOB_FILES.script, TORCH_JOB_SCRIPT],
    [TORCH_JOB_FILES.readme, jobReadme(config)],
  ];
  for (const [name, text] of texts) {
    fs.writeFileSync(path.join(dir, name), text);
    bytes += Buffer.byteLength(text);
  }
  fs.chmodSync(path.join(dir, TORCH_JOB_FILES.script), 0o755);
  return { bytes, config };
}

function userError(message: string): Error {
  return Object.assign(new Error(message), { userFacing: true });
}

/** @throws naming the problem when a placement does not give every table one rank in range, or a row split does not cover its table. */
export function checkPlacement(plan: TablePlacement, numTables: number, tableSizes?: readonly number[]): void {
  if (!Number.isInteger(plan.worldSize) || plan.worldSize < 1) throw userError(`plan: worldSize must be a positive integer, got ${plan.worldSize}`);
  if (plan.tableOwner.length !== numTables) throw userError(`plan: tableOwner has ${plan.tableOwner.length} entries for ${numTables} tables`);
  const inRange = (rank: number): boolean => Number.isInteger(rank) && rank >= 0 && rank < plan.worldSize;
  plan.tableOwner.forEach((owner, f) => {
    if (!inRange(owner)) throw userError(`plan: table ${f} is placed on rank ${owner}, outside 0..${plan.worldSize - 1}`);
  });
  const seen = new Set<number>();
  (plan.rowSplits ?? []).forEach((split, i) => {
    const at = `plan.rowSplits[${i}]`;
    if (!Number.isInteger(split.table) || split.table < 0 || split.table >= numTables || seen.has(split.table)) throw userError(`${at}: table ${split.table} is not a table of the model, or is split twice`);
    seen.add(split.table);
    if (split.ranks.length < 1 || split.rowStarts.length !== split.ranks.length + 1) throw userError(`${at}: ${split.ranks.length} ranks need ${split.ranks.length + 1} row starts`);
    if (!split.ranks.every(inRange) || new Set(split.ranks).size !== split.ranks.length) throw userError(`${at}: ranks must be distinct, in 0..${plan.worldSize - 1}`);
    if (plan.tableOwner[split.table] !== split.ranks[0]) throw userError(`${at}: tableOwner[${split.table}] must be the first of its ranks (${split.ranks[0]})`);
    const rows = tableSizes?.[split.table];
    if (split.rowStarts[0] !== 0 || (rows !== undefined && split.rowStarts[split.rowStarts.length - 1] !== rows)) throw userError(`${at}: the row ranges must cover 0..${rows ?? 'the table size'}`);
    for (let k = 1; k < split.rowStarts.length; k++) if (!(split.rowStarts[k] > split.rowStarts[k - 1])) throw userError(`${at}: row range ${k - 1} is empty or reversed`);
  });
}

/** Column files of one split, appended batch by batch. */
class SplitWriter {
  rows = 0;
  bytes = 0;
  private readonly labels: number;
  private readonly dense: number;
  private readonly categorical: number;
  constructor(
    base: string,
    private readonly numDense: number,
    private readonly numFeatures: number,
  ) {
    this.labels = fs.openSync(`${base}.labels.u8`, 'w');
    this.dense = fs.openSync(`${base}.dense.f32`, 'w');
    this.categorical = fs.openSync(`${base}.categorical.i32`, 'w');
  }
  /** One batch: labels [B] -> u8, dense [B, I] as is, keyed-jagged one-hot [F * B] -> row-major [B, F]. */
  add(batch: Batch): void {
    const B = batch.size;
    const F = this.numFeatures;
    const { values, offsets } = batch.sparse;
    if (batch.sparse.numFeatures !== F) throw new Error(`a batch has ${batch.sparse.numFeatures} categorical features, the model ${F}`);
    if (batch.dense.length !== B * this.numDense) throw new Error(`a batch has ${batch.dense.length / B} dense features, the model ${this.numDense}`);
    const categorical = new Int32Array(B * F);
    for (let f = 0; f < F; f++) {
      for (let b = 0; b < B; b++) {
        const at = f * B + b;
        if (offsets[at + 1] - offsets[at] !== 1) throw userError('the job format stores one value per feature and row; this dataset has multi-hot features');
        categorical[b * F + f] = values[offsets[at]];
      }
    }
    const labels = new Uint8Array(B);
    for (let b = 0; b < B; b++) labels[b] = batch.labels[b] > 0.5 ? 1 : 0;
    this.write(this.labels, labels);
    this.write(this.dense, batch.dense);
    this.write(this.categorical, categorical);
    this.rows += B;
  }
  private write(fd: number, array: Uint8Array | Float32Array | Int32Array): void {
    fs.writeSync(fd, new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
    this.bytes += array.byteLength;
  }
  close(): void {
    for (const fd of [this.labels, this.dense, this.categorical]) fs.closeSync(fd);
  }
}

/** The folder holding metrics.jsonl: a job folder's output/, or a copied output folder itself. */
export function jobOutputFolder(dir: string): string {
  if (fs.existsSync(path.join(dir, TORCH_JOB_FILES.script)) || fs.existsSync(path.join(dir, TORCH_JOB_FILES.data))) return path.join(dir, TORCH_JOB_FILES.output);
  return dir;
}

/** job.json of a job folder or of an output folder (the script copies it there). */
export function readJobConfig(dir: string): TorchJobConfig {
  const candidates = [path.join(dir, TORCH_JOB_FILES.config), path.join(jobOutputFolder(dir), TORCH_JOB_FILES.config)];
  const file = candidates.find((c) => fs.existsSync(c));
  if (!file) throw userError(`${dir}: no ${TORCH_JOB_FILES.config} (give a job folder or the output folder of a job)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw userError(`${file}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const config = parsed as Partial<TorchJobConfig> | null;
  if (!config || config.format !== 'dlrm-studio-torch-job' || config.version !== 1) throw userError(`${file}: not a DLRM Studio job (format "dlrm-studio-torch-job", version 1)`);
  for (const field of ['dataset', 'model', 'optimizer', 'train', 'tableSizes', 'architecture', 'rows', 'plan'] as const) {
    if (config[field] === undefined || config[field] === null) throw userError(`${file}: field "${field}" is missing`);
  }
  return config as TorchJobConfig;
}

/**
 * The trained weights a job's ranks wrote (weights-rank<r>.bin in outputDir): every table from its
 * owner, the MLPs from rank 0, in the app's layout.
 * @throws naming the file when a table or a dense array is missing or has the wrong size.
 */
export function readJobWeights(outputDir: string, config: TorchJobConfig, files: readonly string[]): ModelWeights {
  const F = config.tableSizes.length;
  const D = config.architecture.embeddingDim;
  const tables: (Float32Array | null)[] = new Array<Float32Array | null>(F).fill(null);
  const denseSizes: number[] = [];
  for (const sizes of [config.architecture.bottomSizes, config.architecture.topSizes]) {
    for (let i = 0; i + 1 < sizes.length; i++) denseSizes.push(sizes[i] * sizes[i + 1], sizes[i + 1]);
  }
  const dense: (Float32Array | null)[] = new Array<Float32Array | null>(denseSizes.length).fill(null);
  for (const name of files) {
    if (path.basename(name) !== name) throw userError(`weights file "${name}" must be a plain file name inside the output folder`);
    const file = path.join(outputDir, name);
    const { arrays } = readTensorFile<unknown>(file, TORCH_WEIGHTS_FORMAT);
    for (const [key, data] of arrays) {
      const [kind, indexText] = key.split('/');
      // a row range of a split table: table/<f>@<first row>
      const [tableText, startText] = (indexText ?? '').split('@');
      const index = Number(startText === undefined ? indexText : tableText);
      if (kind === 'table' && startText !== undefined && Number.isInteger(index) && index >= 0 && index < F) {
        const start = Number(startText);
        const split = config.plan?.rowSplits?.find((s) => s.table === index);
        const k = split ? split.rowStarts.indexOf(start) : -1;
        if (!split || k < 0 || k >= split.ranks.length) throw userError(`${file}: "${key}" is not a row range of the job's plan`);
        const rows = split.rowStarts[k + 1] - start;
        if (data.length !== rows * D) throw userError(`${file}: rows ${start}.. of table ${index} have ${data.length} values, expected ${rows * D}`);
        const whole = (tables[index] ??= new Float32Array(config.tableSizes[index] * D).fill(Number.NaN));
        whole.set(data, start * D);
      } else if (kind === 'table' && Number.isInteger(index) && index >= 0 && index < F) {
        if (data.length !== config.tableSizes[index] * D) throw userError(`${file}: table ${index} has ${data.length} values, expected ${config.tableSizes[index] * D}`);
        tables[index] = data;
      } else if (kind === 'dense' && Number.isInteger(index) && index >= 0 && index < dense.length) {
        if (data.length !== denseSizes[index]) throw userError(`${file}: dense array ${index} has ${data.length} values, expected ${denseSizes[index]}`);
        dense[index] = data;
      } else {
        throw userError(`${file}: unexpected array "${key}"`);
      }
    }
  }
  const missingTable = tables.findIndex((t) => t === null);
  if (missingTable >= 0) throw userError(`${outputDir}: no rank wrote table ${missingTable}`);
  // a split table is whole only when every range came back (the NaN fill marks rows no rank wrote)
  const splitTables = new Set((config.plan?.rowSplits ?? []).map((s) => s.table));
  const gap = tables.findIndex((t, f) => splitTables.has(f) && t !== null && t.some((v) => Number.isNaN(v)));
  if (gap >= 0) throw userError(`${outputDir}: table ${gap} is split by rows and a rank did not write its range`);
  const missingDense = dense.findIndex((d) => d === null);
  if (missingDense >= 0) throw userError(`${outputDir}: the MLP weights (dense/${missingDense}) are missing`);
  return { tables: tables as Float32Array[], dense: dense as Float32Array[] };
}

const EVENT_TYPES = new Set(['started', 'progress', 'eval', 'finished', 'failed']);

/**
 * One line of metrics.jsonl as an event.
 * @throws naming the line number and what is wrong.
 */
export function parseJobLogLine(line: string, lineNumber: number, file: string): TorchJobEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw userError(`${file}, line ${lineNumber}: not a JSON object`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw userError(`${file}, line ${lineNumber}: not a JSON object`);
  const record = parsed as Record<string, unknown>;
  const type = record['type'];
  if (typeof type !== 'string' || !EVENT_TYPES.has(type)) throw userError(`${file}, line ${lineNumber}, field type: "${String(type)}" is not one of ${[...EVENT_TYPES].join(', ')}`);
  const numbers: Record<string, string[]> = {
    started: ['paramCount', 'totalSteps', 'worldSize'],
    progress: ['step', 'totalSteps', 'epoch', 'samplesSeen', 'samplesPerSec', 'loss', 'lr', 'wallTime'],
    eval: ['step', 'samplesSeen', 'wallTime'],
    finished: ['step', 'samplesSeen', 'wallTime'],
    failed: [],
  };
  for (const field of numbers[type]) {
    if (typeof record[field] !== 'number' || !Number.isFinite(record[field])) throw userError(`${file}, line ${lineNumber}, field ${field}: expected a finite number`);
  }
  if (type === 'eval' && record['split'] !== 'valid' && record['split'] !== 'test') throw userError(`${file}, line ${lineNumber}, field split: expected "valid" or "test"`);
  if (type === 'finished' && (!Array.isArray(record['weights']) || !record['weights'].every((w) => typeof w === 'string'))) {
    throw userError(`${file}, line ${lineNumber}, field weights: expected a list of file names`);
  }
  if (type === 'failed' && typeof record['error'] !== 'string') throw userError(`${file}, line ${lineNumber}, field error: expected a message`);
  return parsed as TorchJobEvent;
}

/** Command lines that start a job folder on one machine. */
export function launchCommands(dir: string, worldSize: number): string[] {
  const script = path.join(dir, TORCH_JOB_FILES.script);
  return [`python3 ${script} --nproc ${worldSize}`, `torchrun --nproc_per_node ${worldSize} ${script}`];
}

function jobReadme(config: TorchJobConfig): string {
  const W = config.plan.worldSize;
  const splits = config.plan.rowSplits ?? [];
  const isSplit = new Set(splits.map((s) => s.table));
  const perRank = Array.from({ length: W }, (_, r) => config.plan.tableOwner.flatMap((owner, f) => (owner === r && !isSplit.has(f) ? [f] : [])));
  const splitText = splits.map((s) => `table ${s.table} split by rows: ${s.ranks.map((r, k) => `rows ${s.rowStarts[k]}..${s.rowStarts[k + 1] - 1} on rank ${r}`).join(', ')}`).join('; ');
  return `# DLRM Studio job${config.runName ? `: ${config.runName}` : ''}

Trains the run's DLRM with PyTorch's torch.distributed in the hybrid strategy: embedding tables
sharded over the ranks (table-wise), the pooled embeddings of each rank's slice of the batch moved
by one \`all_to_all_single\` (and their gradients back the same way), MLPs replicated with their
gradients summed by \`all_reduce\`. Needs Python 3 with PyTorch (>= 1.13) and NumPy.

Plan (${W} rank${W > 1 ? 's' : ''}): ${perRank.map((tables, r) => `rank ${r}: tables ${tables.join(', ') || '(none)'}`).join('; ')}${splitText ? `; ${splitText} (each holder pools the bag values in its rows; the partial sums are added after the all-to-all)` : ''}.
Another number of ranks re-places the tables (largest first, to the rank holding the fewest bytes).

## One machine
    python3 train_dlrm_hybrid.py --nproc ${W}                 # ranks started by torch.multiprocessing (gloo)
    torchrun --nproc_per_node ${W} train_dlrm_hybrid.py       # the same under torchrun
    torchrun --nproc_per_node <GPUs> train_dlrm_hybrid.py --device cuda   # NCCL, one GPU per rank

(Debian's torch 1.13 has a broken torchrun; use --nproc there.)

## A cluster
Copy this folder to every node (same path), then on node k of M:
    torchrun --nnodes M --node_rank k --nproc_per_node <ranks per node> \\
        --master_addr <node 0's address> --master_port 29500 train_dlrm_hybrid.py [--device cuda]
Under Slurm, \`srun\` one torchrun per node with --node_rank \$SLURM_NODEID.

## Output (output/, or --out DIR)
metrics.jsonl (JSON lines: started, progress, eval, finished or failed), weights-rank<r>.bin, and
test-predictions.f32. Follow it in the app while it trains, or later from a copy of output/:
    node out/main/cli.js follow-job --dir <this folder or a copy of output/>

## Data (little-endian, row-major)
data/<split>.labels.u8 [N] · data/<split>.dense.f32 [N, ${config.architecture.numDense}] (log(max(x,0)+1)) ·
data/<split>.categorical.i32 [N, ${config.architecture.numFeatures}] (table row of each feature).
Rows: train ${config.rows.train}, valid ${config.rows.valid}, test ${config.rows.test}. The train split is in
the order of the app's first epoch for seed ${config.train.seed}; later epochs are shuffled by
numpy.random.default_rng([seed, epoch]) (not the app's order).
${torchrecReadme(config)}`;
}

/** The README's TorchRec section: the layout written, or why there is none. */
function torchrecReadme(config: TorchJobConfig): string {
  const layout = config.torchrec;
  if (!layout) return '';
  if (layout.folder === null) return `
## TorchRec
No TorchRec copy of the data: ${layout.reason}.
`;
  const trainDays = layout.days.filter((d) => d.day !== 23);
  const evalDay = layout.days.find((d) => d.day === 23);
  const sameSplits = evalDay !== undefined && config.rows.valid === Math.ceil(evalDay.rows / 2);
  return `
## TorchRec (for users who have it)
${layout.folder}/ holds the same rows in the per-day .npy layout TorchRec's DLRM example reads
(\`examples/dlrm/dlrm_main.py --in_memory_binary_criteo_path\`, InMemoryBinaryCriteoIterDataPipe):
day_<k>_dense.npy float32 [N, 13] · day_<k>_sparse.npy int32 [N, 26] · day_<k>_labels.npy int32 [N, 1].
Training days: ${trainDays.map((d) => `day_${d.day} (${d.rows} rows)`).join(', ') || 'none'}, the train split in the app's first-epoch order.
Day 23${evalDay ? ` (${evalDay.rows} rows)` : ' (absent: no valid or test rows)'}: the valid split, then the test split. TorchRec takes the first
ceil(N / 2) rows of day 23 as its validation set and the rest as its test set${sameSplits ? ', which here are exactly the app\'s valid and test splits' : `; here the valid split has ${config.rows.valid} rows and the test split ${config.rows.test}, so TorchRec's halves differ from the app's splits`}.
Sparse values are the app's table rows (below each table's size, so the loader's modulo by
--num_embeddings_per_feature keeps them). Dense values are the app's inputs (log(max(x,0)+1) for
Criteo), not TorchRec's own preprocessing (log(x+3) of the raw integers).

From a TorchRec checkout's examples/dlrm folder:
    ${layout.command.replace('<job folder>', '<this folder>')}

dlrm_main.py trains its own DLRM (dot interaction, its own initial weights, SGD unless your version
has --adagrad; --batch_size is per rank), so its numbers are comparable to this run's, not equal.
`;
}
