/**
 * The per-day .npy layout TorchRec's DLRM example reads (`dlrm_main.py --in_memory_binary_criteo_path`,
 * through InMemoryBinaryCriteoIterDataPipe), written beside a job folder's own column files for users
 * who have TorchRec. Facts of that layout (TorchRec's torchrec/datasets/criteo.py and
 * examples/dlrm/data/dlrm_dataloader.py):
 *   day_<k>_dense.npy   float32 [N, 13]  (TorchRec's own preprocessing stores log(x + 3) of the raw
 *                                         integers; this export stores the app's dense values, see below)
 *   day_<k>_sparse.npy  int32   [N, 26]  category ids; the loader takes them modulo
 *                                         --num_embeddings_per_feature (26 comma-separated counts)
 *   day_<k>_labels.npy  int32   [N, 1]
 *   The loader trains on every day but day 23 (Criteo's DAYS - 1) and splits day 23 in two: its first
 *   ceil(N / 2) rows are the validation set, the rest the test set. It has 13 dense and 26
 *   categorical features built in, so only runs of that shape can use this layout.
 * What this writes: the train split in the app's first-epoch order over days 0, 1, ... (dayRows rows
 * each), and day 23 = the valid split followed by the test split. Sparse values are the app's table
 * rows (already below each table's size, so the modulo keeps them); dense values are the app's
 * (log(max(x, 0) + 1) for Criteo), the very inputs the app's run and the job's own script train on.
 *
 * The .npy files are NumPy format 1.0: magic, a header dict padded to 128 bytes, then the array in C
 * order, little-endian. The header is rewritten with the row count when a file is closed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Batch } from '../../data/types';

/** Dense and categorical features TorchRec's Criteo loader is built for. */
export const TORCHREC_DENSE = 13;
export const TORCHREC_SPARSE = 26;
/** The day the loader splits into validation (first half) and test (second half). */
export const TORCHREC_EVAL_DAY = 23;
/** Rows per training day file unless told otherwise. */
export const TORCHREC_DAY_ROWS = 4_000_000;

const HEADER_BYTES = 128;

type NpyKind = 'float32' | 'int32';

/** A 2-D .npy file [rows, columns] written row block by row block. */
class NpyWriter {
  rows = 0;
  private readonly fd: number;
  constructor(
    readonly file: string,
    private readonly kind: NpyKind,
    private readonly columns: number,
  ) {
    this.fd = fs.openSync(file, 'w');
    fs.writeSync(this.fd, this.header());
  }
  private header(): Buffer {
    const descr = this.kind === 'float32' ? '<f4' : '<i4';
    const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${this.rows}, ${this.columns}), }`;
    const textBytes = HEADER_BYTES - 10;
    if (dict.length + 1 > textBytes) throw new Error(`${this.file}: the .npy header does not fit ${HEADER_BYTES} bytes`);
    const out = Buffer.alloc(HEADER_BYTES, 0x20);
    out.write('\x93NUMPY', 0, 'latin1');
    out[6] = 1;
    out[7] = 0;
    out.writeUInt16LE(textBytes, 8);
    out.write(dict, 10, 'latin1');
    out[HEADER_BYTES - 1] = 0x0a;
    return out;
  }
  /** Appends rows ([n, columns], row-major). */
  add(values: Float32Array | Int32Array): void {
    if (values.length % this.columns !== 0) throw new Error(`${this.file}: ${values.length} values are not whole rows of ${this.columns}`);
    fs.writeSync(this.fd, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    this.rows += values.length / this.columns;
  }
  get bytes(): number {
    return HEADER_BYTES + this.rows * this.columns * 4;
  }
  close(): void {
    fs.writeSync(this.fd, this.header(), 0, HEADER_BYTES, 0);
    fs.closeSync(this.fd);
  }
}

/** The three files of one day. */
class DayWriter {
  readonly dense: NpyWriter;
  readonly sparse: NpyWriter;
  readonly labels: NpyWriter;
  constructor(dir: string, day: number) {
    this.dense = new NpyWriter(path.join(dir, `day_${day}_dense.npy`), 'float32', TORCHREC_DENSE);
    this.sparse = new NpyWriter(path.join(dir, `day_${day}_sparse.npy`), 'int32', TORCHREC_SPARSE);
    this.labels = new NpyWriter(path.join(dir, `day_${day}_labels.npy`), 'int32', 1);
  }
  get rows(): number {
    return this.labels.rows;
  }
  get bytes(): number {
    return this.dense.bytes + this.sparse.bytes + this.labels.bytes;
  }
  /** Rows [from, to) of a batch: dense [B, 13] as is, keyed-jagged one-hot [26 * B] -> [B, 26], labels -> 0/1. */
  add(batch: Batch, from: number, to: number): void {
    const B = batch.size;
    const n = to - from;
    const { values, offsets } = batch.sparse;
    const sparse = new Int32Array(n * TORCHREC_SPARSE);
    for (let f = 0; f < TORCHREC_SPARSE; f++) {
      for (let b = from; b < to; b++) {
        const at = f * B + b;
        if (offsets[at + 1] - offsets[at] !== 1) throw Object.assign(new Error('the TorchRec layout holds one value per feature and row; this dataset has multi-hot features'), { userFacing: true });
        sparse[(b - from) * TORCHREC_SPARSE + f] = values[offsets[at]];
      }
    }
    const labels = new Int32Array(n);
    for (let b = from; b < to; b++) labels[b - from] = batch.labels[b] > 0.5 ? 1 : 0;
    this.dense.add(batch.dense.subarray(from * TORCHREC_DENSE, to * TORCHREC_DENSE));
    this.sparse.add(sparse);
    this.labels.add(labels);
  }
  close(): void {
    for (const w of [this.dense, this.sparse, this.labels]) w.close();
  }
}

/** Where a model's shape keeps it out of TorchRec's Criteo loader, why (null: it fits). */
export function torchrecLayoutRefusal(numDense: number, numFeatures: number): string | null {
  if (numDense === TORCHREC_DENSE && numFeatures === TORCHREC_SPARSE) return null;
  return `TorchRec's Criteo loader is built for ${TORCHREC_DENSE} dense and ${TORCHREC_SPARSE} categorical features; this run has ${numDense} and ${numFeatures}`;
}

/** Writes the layout split by split: train batches first (days 0..), then valid, then test (day 23). */
export class TorchrecDaysWriter {
  private trainDay: DayWriter | null = null;
  private evalDay: DayWriter | null = null;
  private readonly closedDays: { day: number; rows: number }[] = [];
  private bytesClosed = 0;
  private nextTrainDay = 0;

  constructor(
    private readonly dir: string,
    private readonly dayRows: number = TORCHREC_DAY_ROWS,
  ) {
    if (!Number.isInteger(dayRows) || dayRows < 1) throw new Error(`rows per TorchRec day must be a positive integer, got ${dayRows}`);
    fs.mkdirSync(dir, { recursive: true });
  }

  /** Adds a batch of the train split (to the current training day, opening the next when it is full). */
  addTrain(batch: Batch): void {
    let from = 0;
    while (from < batch.size) {
      if (!this.trainDay || this.trainDay.rows >= this.dayRows) {
        this.closeTrainDay();
        if (this.nextTrainDay >= TORCHREC_EVAL_DAY) throw Object.assign(new Error(`the train split needs more than ${TORCHREC_EVAL_DAY} TorchRec days of ${this.dayRows} rows`), { userFacing: true });
        this.trainDay = new DayWriter(this.dir, this.nextTrainDay++);
      }
      const to = Math.min(batch.size, from + this.dayRows - this.trainDay.rows);
      this.trainDay.add(batch, from, to);
      from = to;
    }
  }

  /** Adds a batch of the valid split (all valid batches must come before any test batch) or of the test split. */
  addEval(batch: Batch): void {
    this.evalDay ??= new DayWriter(this.dir, TORCHREC_EVAL_DAY);
    this.evalDay.add(batch, 0, batch.size);
  }

  private closeTrainDay(): void {
    if (!this.trainDay) return;
    this.trainDay.close();
    this.closedDays.push({ day: this.nextTrainDay - 1, rows: this.trainDay.rows });
    this.bytesClosed += this.trainDay.bytes;
    this.trainDay = null;
  }

  /** Closes every file. @returns the days written with their rows, and the bytes. */
  close(): { days: { day: number; rows: number }[]; bytes: number } {
    this.closeTrainDay();
    if (this.evalDay) {
      this.evalDay.close();
      this.closedDays.push({ day: TORCHREC_EVAL_DAY, rows: this.evalDay.rows });
      this.bytesClosed += this.evalDay.bytes;
      this.evalDay = null;
    }
    return { days: [...this.closedDays], bytes: this.bytesClosed };
  }
}

/**
 * The TorchRec command line for a job's layout (torchrun on one machine; on a cluster the same with
 * torchrun's --nnodes/--node_rank/--master_addr).
 * bottomSizes [13, ..., D] and topSizes [top input, ..., 1] are the app's DLRM's; batchSize is its global batch.
 */
export function torchrecCommand(opts: { npyDir: string; ranks: number; tableSizes: readonly number[]; embeddingDim: number; bottomSizes: readonly number[]; topSizes: readonly number[]; batchSize: number; epochs: number; learningRate: number }): string {
  return [
    `torchrun --standalone --nproc_per_node ${opts.ranks} dlrm_main.py`,
    `--in_memory_binary_criteo_path ${opts.npyDir}`,
    `--num_embeddings_per_feature ${opts.tableSizes.join(',')}`,
    `--embedding_dim ${opts.embeddingDim}`,
    `--dense_arch_layer_sizes ${opts.bottomSizes.slice(1).join(',')}`,
    `--over_arch_layer_sizes ${opts.topSizes.slice(1).join(',')}`,
    // the loader gives each rank batches of --batch_size: the app's global batch split over the ranks
    `--batch_size ${Math.max(1, Math.round(opts.batchSize / opts.ranks))}`,
    `--epochs ${opts.epochs}`,
    `--learning_rate ${opts.learningRate}`,
  ].join(' \\\n        ');
}
