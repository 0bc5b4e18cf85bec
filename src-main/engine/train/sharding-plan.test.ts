import { describe, expect, it } from 'vitest';
import type { ShardingInput, ShardingPlan } from '../../domain';
import { adviseMode, checkPlan, costOfPlan, denseBytesPerWorker, planOfPlacement, proposePlan, sliceSizes, tablePlacementOf } from './sharding-plan';

const base: ShardingInput = {
  tableSizes: [1000, 400, 300, 200],
  embeddingDim: 4,
  workers: 2,
  batchSize: 10,
  denseParamCount: 100,
  denseOptimizer: 'adam',
  sparseOptimizer: 'rowwise-adagrad',
};

describe('sharding planner', () => {
  it('places whole tables, largest first, on the worker holding the fewest bytes', () => {
    const { plan, cost } = proposePlan(base);
    // 1000 -> w0; 400 -> w1; 300 -> w1 (700 < 1000); 200 -> w0? no: w1 holds 700 < 1000 -> w1
    expect(plan.shards.map((s) => (s.kind === 'table' ? s.worker : -1))).toEqual([0, 1, 1, 1]);
    // a row is 4 x 4 bytes + 4 bytes of row-wise Adagrad state
    expect(cost.perWorker[0].tableBytes).toBe(1000 * 16);
    expect(cost.perWorker[0].sparseStateBytes).toBe(1000 * 4);
    expect(cost.perWorker[1].tableBytes).toBe(900 * 16);
    // Adam: weights + two moments
    expect(denseBytesPerWorker(base)).toBe(1200);
    expect(cost.perWorker[0].totalBytes).toBe(20_000 + 1200);
    expect(cost.problems).toEqual([]);
    expect(tablePlacementOf(plan)).toEqual({ worldSize: 2, tableOwner: [0, 1, 1, 1] });
  });

  it('counts lookups and the bytes of the all-to-all and the all-reduce', () => {
    const { cost } = proposePlan(base);
    // one-hot: a whole table answers every row of the batch
    expect(cost.perWorker[0].lookupsPerStep).toBe(10);
    expect(cost.perWorker[1].lookupsPerStep).toBe(30);
    // slices 5 + 5; forward: each table's holder sends the other slice, 5 x 4 x 4 = 80 bytes a table;
    // backward: each worker sends its slice's gradient for every table it does not hold: w0 3 x 80, w1 1 x 80
    expect(cost.perWorker[0].allToAllBytesPerStep).toBe(80 + 240);
    expect(cost.perWorker[1].allToAllBytesPerStep).toBe(240 + 80);
    expect(cost.allToAllBytesPerStep).toBe(640);
    // worker 0 sends its one table's vectors for worker 1's slice; worker 1 its three for worker 0's
    expect(cost.pairBytesPerStep).toEqual([[0, 80], [240, 0]]);
    // ring all-reduce: 2 (W-1)/W x 100 params x 4 bytes
    expect(cost.allReduceBytesPerWorkerPerStep).toBe(400);
    expect(sliceSizes(11, 4)).toEqual([3, 3, 3, 2]);
  });

  it('splits a table over budget by rows, using measured lookups for the load', () => {
    // budget: 1200 dense + 12,000 of table bytes a worker; table 0 (20,000 bytes) fits nowhere whole
    const input: ShardingInput = { ...base, tableSizes: [1000, 100], memoryBudgetBytes: 13_200, rowCounts: [Float64Array.from({ length: 1000 }, (_, i) => (i < 100 ? 9 : 1)), null] };
    const { plan, cost } = proposePlan(input);
    const shard = plan.shards[0];
    expect(shard.kind).toBe('row');
    if (shard.kind === 'row') {
      expect(shard.workers).toEqual([0, 1]);
      expect(shard.rowStarts).toEqual([0, 500, 1000]);
    }
    expect(cost.problems).toEqual([]);
    // rows 0..499 hold 100 x 9 + 400 = 1300 of the 1800 counted lookups; worker 0 also holds table 1 whole
    expect(cost.perWorker[0].lookupsPerStep).toBeCloseTo(10 + (10 * 1300) / 1800, 9);
    expect(cost.perWorker[1].lookupsPerStep).toBeCloseTo((10 * 500) / 1800, 9);
    // the torch job's placement: table 0 on its first holder, its ranges in rowSplits, and back
    const placement = tablePlacementOf(plan);
    expect(placement).toEqual({ worldSize: 2, tableOwner: [0, 0], rowSplits: [{ table: 0, ranks: [0, 1], rowStarts: [0, 500, 1000] }] });
    expect(planOfPlacement(placement)).toEqual(plan);
  });

  it('refuses an impossible plan with the numbers', () => {
    const input: ShardingInput = { ...base, memoryBudgetBytes: 15_000 };
    const everythingOnZero: ShardingPlan = { workers: 2, shards: base.tableSizes.map((_, table) => ({ table, kind: 'table', worker: 0 })) };
    expect(() => checkPlan(input, everythingOnZero)).toThrow(/worker 0 would hold 38.3 KiB \(tables 29.7 KiB \+ row-wise state 7.4 KiB \+ MLPs with optimizer state 1.2 KiB\), over its budget of 14.6 KiB/);
    const outOfRange: ShardingPlan = { workers: 2, shards: base.tableSizes.map((_, table) => ({ table, kind: 'table', worker: table === 2 ? 5 : 0 })) };
    expect(costOfPlan(base, outOfRange).problems).toEqual(['table 2 is placed on worker 5, outside 0..1']);
    // the proposal for a budget nobody can meet names the problem instead of pretending
    expect(proposePlan({ ...base, memoryBudgetBytes: 5000 }).cost.problems.length).toBeGreaterThan(0);
  });
});

describe('mode advice', () => {
  it('keeps the shared-table mode on two cores when everything fits, and goes hybrid when it does not', () => {
    const { workers: _w, ...rest } = base;
    expect(adviseMode(rest, 2).mode).toBe('shared-tables');
    expect(adviseMode(rest, 1).mode).toBe('one-thread');
    expect(adviseMode(rest, 8)).toMatchObject({ mode: 'hybrid', workers: 8 });
    // one worker would hold 1900 rows x 20 bytes + 1200 = 39,200 bytes; a 25,000-byte budget needs two
    const tight = adviseMode({ ...rest, memoryBudgetBytes: 25_000 }, 2);
    expect(tight).toMatchObject({ mode: 'hybrid', workers: 2 });
    expect(tight.reason).toMatch(/38.3 KiB, over one worker's budget of 24.4 KiB/);
    expect(() => adviseMode({ ...rest, memoryBudgetBytes: 1000 }, 2, 4)).toThrow(/no plan on up to 4 workers fits a budget of 1000 B/);
  });
});
