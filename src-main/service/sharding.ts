/**
 * The sharding planner as a service method: where a DLRM's tables would live on N workers, what it
 * costs (bytes per worker, lookups, all-to-all and all-reduce bytes), and which parallel mode the
 * planner advises. A placement the user gives (tableOwner) is checked, and refused with the numbers.
 */
import { availableParallelism } from 'node:os';
import type { ShardingAnswer, ShardingInput, ShardingPlan } from './contract';
import type { MethodHandlers } from './context';
import { resolveArchitecture, mlpParamCount } from '../engine/model/architecture';
import { adviseMode, costOfPlan, planOfPlacement, proposePlan } from '../engine/train/sharding-plan';
import { ApiError, array, integer, number, object, onlyKeys } from './validate';
import { parseModelSpec, parseOptimizerSpec } from './inputs';

export function shardingMethods(): MethodHandlers {
  return {
    'model.shardingPlan': (raw): ShardingAnswer => {
      const o = object(raw);
      onlyKeys(o, ['model', 'optimizer', 'batchSize', 'workers', 'memoryBudgetBytes', 'tableOwner']);
      const model = parseModelSpec(o['model']);
      const optimizer = parseOptimizerSpec(o['optimizer']);
      if (model.kind !== 'dlrm') throw new ApiError(`the sharding planner places DLRM tables; this model is "${model.kind}"`, 'bad-request', 'model.kind');
      const { arch, errors } = resolveArchitecture(model);
      if (!arch) throw new ApiError(errors.join('; '), 'bad-request', 'model');
      const batchSize = integer(o['batchSize'], 'batchSize', 1, 65_536);
      const workers = o['workers'] === undefined ? 2 : integer(o['workers'], 'workers', 1, 64);
      const tableSizes = Array.from({ length: arch.numFeatures }, () => model.hashSize);
      const input: ShardingInput = {
        tableSizes,
        embeddingDim: arch.embeddingDim,
        workers,
        batchSize,
        denseParamCount: mlpParamCount(arch.bottomSizes) + mlpParamCount(arch.topSizes),
        denseOptimizer: optimizer.dense,
        sparseOptimizer: optimizer.sparse,
      };
      if (o['memoryBudgetBytes'] !== undefined) input.memoryBudgetBytes = number(o['memoryBudgetBytes'], 'memoryBudgetBytes', { min: 1 });
      let plan: ShardingPlan;
      let cost;
      if (o['tableOwner'] !== undefined) {
        const tableOwner = array(o['tableOwner'], 'tableOwner', (v, f) => integer(v, f, 0, workers - 1), { min: tableSizes.length, max: tableSizes.length });
        plan = planOfPlacement({ worldSize: workers, tableOwner });
        cost = costOfPlan(input, plan);
        if (cost.problems.length > 0) throw new ApiError(`this plan cannot run: ${cost.problems.join('; ')}`, 'bad-request', 'tableOwner');
      } else {
        ({ plan, cost } = proposePlan(input));
      }
      const { workers: _workers, ...rest } = input;
      let advice: ShardingAnswer['advice'];
      try {
        advice = adviseMode(rest, availableParallelism());
      } catch (e) {
        advice = { mode: 'hybrid', workers, reason: e instanceof Error ? e.message : String(e) };
      }
      return { plan, cost, tableSizes, embeddingDim: arch.embeddingDim, advice };
    },
  };
}
