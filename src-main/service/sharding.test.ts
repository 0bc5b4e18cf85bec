import { describe, expect, it } from 'vitest';
import type { ShardingAnswer } from './contract';
import { shardingMethods } from './sharding';
import { ApiError } from './validate';

const model = { kind: 'dlrm', embeddingDim: 16, bottomMlp: '13-64-16', topMlp: '64-1', interaction: 'dot', hashSize: 1000 };
const optimizer = { dense: 'adam', sparse: 'rowwise-adagrad', learningRate: 0.01, warmupSteps: 0, decay: 'none' };
const plan = (input: unknown): ShardingAnswer => shardingMethods()['model.shardingPlan'](input) as ShardingAnswer;

function refusal(input: unknown): ApiError {
  try {
    plan(input);
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('not refused');
}

describe('model.shardingPlan', () => {
  it('proposes a balanced table-wise plan with its cost and the advised mode', () => {
    const answer = plan({ model, optimizer, batchSize: 256, workers: 4 });
    expect(answer.plan.shards.length).toBe(26);
    expect(answer.cost.perWorker.map((w) => w.tables.length).sort()).toEqual([6, 6, 7, 7]);
    // 1000 rows x (16 x 4 + 4) bytes a table
    expect(answer.cost.perWorker[0].tableBytes + answer.cost.perWorker[0].sparseStateBytes).toBe(answer.cost.perWorker[0].tables.length * 68_000);
    expect(answer.cost.pairBytesPerStep.length).toBe(4);
    expect(['one-thread', 'shared-tables', 'hybrid']).toContain(answer.advice.mode);
  });

  it('checks a placement the user gives, and refuses one over budget with the numbers', () => {
    const everythingOnZero = Array.from({ length: 26 }, () => 0);
    expect(plan({ model, optimizer, batchSize: 256, workers: 2, tableOwner: everythingOnZero }).cost.perWorker[1].tables).toEqual([]);
    const over = refusal({ model, optimizer, batchSize: 256, workers: 2, tableOwner: everythingOnZero, memoryBudgetBytes: 1_000_000 });
    expect(over.field).toBe('tableOwner');
    expect(over.message).toMatch(/worker 0 would hold .* over its budget of 976.6 KiB/);
    expect(refusal({ model, optimizer, batchSize: 256, workers: 2, tableOwner: [0, 1] }).field).toBe('tableOwner');
    expect(refusal({ model, optimizer, batchSize: 256, workers: 2, tableOwner: [...everythingOnZero.slice(1), 2] }).field).toBe('tableOwner[25]');
    expect(refusal({ model: { ...model, kind: 'fm' }, optimizer, batchSize: 256 }).field).toBe('model.kind');
  });
});
