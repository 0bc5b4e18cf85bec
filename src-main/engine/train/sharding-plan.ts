/**
 * The sharding planner: where each embedding table lives when a DLRM trains on W workers in the
 * hybrid strategy (tables model-parallel, MLPs data-parallel), and what a placement costs. Pure
 * functions over sizes; no tfjs.
 *
 * Cost model, per training step of a global batch of B rows (worker w takes the slice b_w of the
 * MLPs' work, B/W as equal as possible):
 *   memory     a table row is D x 4 bytes, plus 4 bytes of row-wise Adagrad state; every worker
 *              holds the MLPs (P x 4 bytes) and their optimizer state (Adagrad +1x, Adam +2x, plus
 *              the step counter's nothing);
 *   lookups    a whole table answers B lookups (one value per row and feature); a row range answers
 *              its share of the table's measured lookups (rowCounts), or of its rows without counts;
 *   all-to-all forward, each holder of a table (or row range) sends every other worker the pooled
 *              vectors of that worker's slice, (B - b_w) x D x 4 bytes; backward, each worker sends
 *              the gradients of its slice, b_w x D x 4 bytes, to every other holder;
 *   all-reduce a ring all-reduce of the MLP gradients sends 2 (W - 1) / W x P x 4 bytes per worker.
 * The proposal: tables largest first, each whole on the worker holding the fewest bytes; a table
 * that fits on no worker's remaining budget is split by rows over the workers in proportion to their
 * free bytes. A plan over budget is returned with its problems named (checkPlan refuses it).
 */
import type { PlanCost, ShardingInput, ShardingPlan, TablePlacement, TableShard, WorkerCost } from '../../domain';

const FLOAT_BYTES = 4;

/** Bytes of the replicated MLPs with their optimizer state, on each worker. */
export function denseBytesPerWorker(input: Pick<ShardingInput, 'denseParamCount' | 'denseOptimizer'>): number {
  const copies = input.denseOptimizer === 'adam' ? 3 : input.denseOptimizer === 'adagrad' ? 2 : 1;
  return input.denseParamCount * FLOAT_BYTES * copies;
}

function rowBytes(input: Pick<ShardingInput, 'embeddingDim' | 'sparseOptimizer'>): number {
  return input.embeddingDim * FLOAT_BYTES + (input.sparseOptimizer === 'rowwise-adagrad' ? FLOAT_BYTES : 0);
}

/** Rows of a global batch each worker's MLPs take (the first B mod W workers one more). */
export function sliceSizes(batchSize: number, workers: number): number[] {
  return Array.from({ length: workers }, (_, w) => Math.floor(batchSize / workers) + (w < batchSize % workers ? 1 : 0));
}

function checkInput(input: ShardingInput): void {
  if (!Number.isInteger(input.workers) || input.workers < 1) throw planError(`workers must be a positive integer, got ${input.workers}`);
  if (!Number.isInteger(input.batchSize) || input.batchSize < 1) throw planError(`batch size must be a positive integer, got ${input.batchSize}`);
  if (input.tableSizes.some((rows) => !Number.isInteger(rows) || rows < 1)) throw planError('every table needs a positive whole number of rows');
  if (input.memoryBudgetBytes !== undefined && !(input.memoryBudgetBytes > 0)) throw planError(`the memory budget must be a positive number of bytes, got ${input.memoryBudgetBytes}`);
}

function planError(message: string): Error {
  return Object.assign(new Error(message), { userFacing: true });
}

/** The planner's proposal for the input (with its cost; problems non-empty when even the best placement is over budget). */
export function proposePlan(input: ShardingInput): { plan: ShardingPlan; cost: PlanCost } {
  checkInput(input);
  const W = input.workers;
  const perRow = rowBytes(input);
  const budget = input.memoryBudgetBytes;
  const dense = denseBytesPerWorker(input);
  const held = new Array<number>(W).fill(0);
  const shards: TableShard[] = new Array<TableShard>(input.tableSizes.length);
  const order = input.tableSizes.map((rows, table) => ({ rows, table })).sort((a, b) => b.rows - a.rows || a.table - b.table);
  for (const { rows, table } of order) {
    const bytes = rows * perRow;
    const lightest = held.reduce((best, b, w) => (b < held[best] ? w : best), 0);
    const free = (w: number): number => (budget === undefined ? Infinity : Math.max(0, budget - dense - held[w]));
    if (W === 1 || bytes <= free(lightest)) {
      shards[table] = { table, kind: 'table', worker: lightest };
      held[lightest] += bytes;
      continue;
    }
    // split by rows in proportion to each worker's free bytes (evenly when nobody has any: the plan is over budget anyway)
    const frees = held.map((_, w) => free(w));
    const totalFree = frees.reduce((a, b) => a + b, 0);
    const weights = totalFree > 0 ? frees.map((f) => f / totalFree) : frees.map(() => 1 / W);
    const workers: number[] = [];
    const rowStarts: number[] = [0];
    let start = 0;
    let cumulative = 0;
    for (let w = 0; w < W; w++) {
      cumulative += weights[w];
      const end = w === W - 1 ? rows : Math.min(rows, Math.round(cumulative * rows));
      if (end > start) {
        workers.push(w);
        rowStarts.push(end);
        held[w] += (end - start) * perRow;
        start = end;
      }
    }
    shards[table] = workers.length === 1 ? { table, kind: 'table', worker: workers[0] } : { table, kind: 'row', workers, rowStarts };
  }
  const plan: ShardingPlan = { workers: W, shards };
  return { plan, cost: costOfPlan(input, plan) };
}

/** Problems of a plan's shape (not its budget): a table without a shard, a worker out of range, bad row ranges. */
function shapeProblems(input: ShardingInput, plan: ShardingPlan): string[] {
  const problems: string[] = [];
  if (plan.workers !== input.workers) problems.push(`the plan is for ${plan.workers} workers, the run has ${input.workers}`);
  if (plan.shards.length !== input.tableSizes.length) problems.push(`the plan places ${plan.shards.length} tables, the model has ${input.tableSizes.length}`);
  plan.shards.forEach((shard, i) => {
    if (!shard) return void problems.push(`table ${i} has no placement`);
    if (shard.table !== i) problems.push(`entry ${i} of the plan is for table ${shard.table}`);
    const rows = input.tableSizes[i] ?? 0;
    const inRange = (w: number): boolean => Number.isInteger(w) && w >= 0 && w < input.workers;
    if (shard.kind === 'table') {
      if (!inRange(shard.worker)) problems.push(`table ${i} is placed on worker ${shard.worker}, outside 0..${input.workers - 1}`);
    } else {
      if (shard.workers.length < 1 || shard.rowStarts.length !== shard.workers.length + 1) problems.push(`table ${i}: ${shard.workers.length} workers need ${shard.workers.length + 1} row starts`);
      if (shard.workers.some((w) => !inRange(w))) problems.push(`table ${i} is placed on a worker outside 0..${input.workers - 1}`);
      if (new Set(shard.workers).size !== shard.workers.length) problems.push(`table ${i} names a worker twice`);
      if (shard.rowStarts[0] !== 0 || shard.rowStarts[shard.rowStarts.length - 1] !== rows) problems.push(`table ${i}: row ranges must cover 0..${rows}`);
      for (let k = 1; k < shard.rowStarts.length; k++) {
        if (!(shard.rowStarts[k] > shard.rowStarts[k - 1])) problems.push(`table ${i}: row range ${k - 1} is empty or reversed`);
      }
    }
  });
  return problems;
}

/** Memory, lookups and traffic of a plan, with its problems (shape, and every worker over budget, with the numbers). */
export function costOfPlan(input: ShardingInput, plan: ShardingPlan): PlanCost {
  checkInput(input);
  const W = input.workers;
  const D = input.embeddingDim;
  const B = input.batchSize;
  const problems = shapeProblems(input, plan);
  const slices = sliceSizes(B, W);
  const dense = denseBytesPerWorker(input);
  const stateRow = input.sparseOptimizer === 'rowwise-adagrad' ? FLOAT_BYTES : 0;
  const perWorker: WorkerCost[] = Array.from({ length: W }, (_, worker) => ({
    worker,
    tables: [],
    tableBytes: 0,
    sparseStateBytes: 0,
    denseBytes: dense,
    totalBytes: 0,
    lookupsPerStep: 0,
    allToAllBytesPerStep: 0,
  }));
  const pairBytesPerStep = Array.from({ length: W }, () => new Array<number>(W).fill(0));
  if (problems.length === 0) {
    for (const shard of plan.shards) {
      const rows = input.tableSizes[shard.table];
      const counts = input.rowCounts?.[shard.table] ?? null;
      const holders = shard.kind === 'table' ? [{ worker: shard.worker, start: 0, end: rows }] : shard.workers.map((worker, k) => ({ worker, start: shard.rowStarts[k], end: shard.rowStarts[k + 1] }));
      const total = counts ? sumRange(counts, 0, rows) : rows;
      for (const { worker, start, end } of holders) {
        const cost = perWorker[worker];
        if (!cost.tables.includes(shard.table)) cost.tables.push(shard.table);
        cost.tableBytes += (end - start) * D * FLOAT_BYTES;
        cost.sparseStateBytes += (end - start) * stateRow;
        const share = shard.kind === 'table' ? 1 : total > 0 ? (counts ? sumRange(counts, start, end) : end - start) / total : 0;
        cost.lookupsPerStep += B * share;
        // forward: this holder's pooled (partial) sums for every other worker's slice
        cost.allToAllBytesPerStep += (B - slices[worker]) * D * FLOAT_BYTES;
        for (let to = 0; to < W; to++) if (to !== worker) pairBytesPerStep[worker][to] += slices[to] * D * FLOAT_BYTES;
      }
      // backward: every worker sends its slice's gradient to each holder other than itself
      for (let w = 0; w < W; w++) {
        const others = holders.filter((h) => h.worker !== w).length;
        perWorker[w].allToAllBytesPerStep += others * slices[w] * D * FLOAT_BYTES;
      }
    }
  }
  for (const cost of perWorker) {
    cost.tables.sort((a, b) => a - b);
    cost.totalBytes = cost.tableBytes + cost.sparseStateBytes + cost.denseBytes;
  }
  const budget = input.memoryBudgetBytes ?? null;
  if (budget !== null && problems.length === 0) {
    for (const cost of perWorker) {
      if (cost.totalBytes > budget) {
        problems.push(
          `worker ${cost.worker} would hold ${formatBytes(cost.totalBytes)} (tables ${formatBytes(cost.tableBytes)} + row-wise state ${formatBytes(cost.sparseStateBytes)} + MLPs with optimizer state ${formatBytes(cost.denseBytes)}), over its budget of ${formatBytes(budget)}`,
        );
      }
    }
  }
  return {
    perWorker,
    allToAllBytesPerStep: W > 1 ? perWorker.reduce((a, c) => a + c.allToAllBytesPerStep, 0) : 0,
    pairBytesPerStep,
    allReduceBytesPerWorkerPerStep: W > 1 ? Math.round(((2 * (W - 1)) / W) * input.denseParamCount * FLOAT_BYTES) : 0,
    maxWorkerBytes: Math.max(...perWorker.map((c) => c.totalBytes)),
    budgetBytesPerWorker: budget,
    problems,
  };
}

/**
 * The cost of a plan the user chose or changed.
 * @throws (userFacing) listing every problem, with the numbers, when the plan cannot run.
 */
export function checkPlan(input: ShardingInput, plan: ShardingPlan): PlanCost {
  const cost = costOfPlan(input, plan);
  if (cost.problems.length > 0) throw planError(`this sharding plan cannot run: ${cost.problems.join('; ')}`);
  return cost;
}

/** A plan as the torch job's placement (a table split by rows: its first holder in tableOwner, its ranges in rowSplits). */
export function tablePlacementOf(plan: ShardingPlan): TablePlacement {
  const rowSplits: NonNullable<TablePlacement['rowSplits']> = [];
  const tableOwner = plan.shards.map((shard) => {
    if (shard.kind === 'table') return shard.worker;
    rowSplits.push({ table: shard.table, ranks: [...shard.workers], rowStarts: [...shard.rowStarts] });
    return shard.workers[0];
  });
  return rowSplits.length > 0 ? { worldSize: plan.workers, tableOwner, rowSplits } : { worldSize: plan.workers, tableOwner };
}

/** A placement as a plan. */
export function planOfPlacement(placement: TablePlacement): ShardingPlan {
  const splits = new Map((placement.rowSplits ?? []).map((s) => [s.table, s]));
  return {
    workers: placement.worldSize,
    shards: placement.tableOwner.map((worker, table): TableShard => {
      const split = splits.get(table);
      return split ? { table, kind: 'row', workers: [...split.ranks], rowStarts: [...split.rowStarts] } : { table, kind: 'table', worker };
    }),
  };
}

function sumRange(values: ArrayLike<number>, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end && i < values.length; i++) sum += values[i];
  return sum;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(2)} GiB`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** Which parallel mode a run should train in, and why (the planner's word on it). */
export interface ModeAdvice {
  mode: 'one-thread' | 'shared-tables' | 'hybrid';
  /** Threads (shared-tables: 2; hybrid: its workers). */
  workers: number;
  reason: string;
}

/**
 * The planner's choice of mode for a machine with `cores` cores and `memoryBudgetBytes` per worker:
 * - hybrid when the tables do not fit in one worker's budget (the fewest workers whose plan fits):
 *   the shared-table mode holds every table in one place;
 * - the shared-table mode on 2 threads when they fit and the machine has 2 cores or more (on two
 *   cores it moves only the batch between threads, where hybrid also moves pooled vectors and
 *   their gradients, and it measured faster: `bench hybrid`), unless more than 2 cores are
 *   available, which only hybrid uses;
 * - one thread on one core.
 * @throws (userFacing) with the numbers when no number of workers up to maxWorkers fits.
 */
export function adviseMode(input: Omit<ShardingInput, 'workers'>, cores: number, maxWorkers = 64): ModeAdvice {
  const single = costOfPlan({ ...input, workers: 1 }, { workers: 1, shards: input.tableSizes.map((_, table) => ({ table, kind: 'table', worker: 0 })) });
  if (single.problems.length > 0) {
    for (let workers = 2; workers <= maxWorkers; workers++) {
      const { cost } = proposePlan({ ...input, workers });
      if (cost.problems.length === 0) {
        return { mode: 'hybrid', workers, reason: `the tables and MLPs need ${formatBytes(single.maxWorkerBytes)}, over one worker's budget of ${formatBytes(input.memoryBudgetBytes ?? 0)}; ${workers} workers hold at most ${formatBytes(cost.maxWorkerBytes)} each` };
      }
    }
    throw planError(`no plan on up to ${maxWorkers} workers fits a budget of ${formatBytes(input.memoryBudgetBytes ?? 0)} per worker (one worker would need ${formatBytes(single.maxWorkerBytes)})`);
  }
  if (cores > 2) return { mode: 'hybrid', workers: cores, reason: `everything fits one worker (${formatBytes(single.maxWorkerBytes)}), and ${cores} cores are more than the shared-table mode's 2 threads` };
  if (cores === 2) return { mode: 'shared-tables', workers: 2, reason: `everything fits one worker (${formatBytes(single.maxWorkerBytes)}); on 2 cores the shared-table mode moves only the batch between its threads` };
  return { mode: 'one-thread', workers: 1, reason: 'one core' };
}
