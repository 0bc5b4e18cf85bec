/** What the planner answers for a run configuration: a plan, its cost, and the parallel mode it advises. */
import type { PlanCost, ShardingPlan } from './sharding';

export interface ShardingAnswer {
  plan: ShardingPlan;
  cost: PlanCost;
  /** Rows per table the plan assumed (the model's hash size per table). */
  tableSizes: number[];
  embeddingDim: number;
  advice: { mode: 'one-thread' | 'shared-tables' | 'hybrid'; workers: number; reason: string };
}
