/**
 * What the run page's parallel-training views draw, as plain data: the per-phase times of a hybrid
 * run (from its 'phase/<name>' series) as stacked columns over training, and a sharding plan as
 * worker columns holding tables sized by bytes, with the bytes of each butterfly arrow.
 */
import type { MetricSeries, ShardingAnswer } from '../../../../src-main/service/contract';

/** Step phases in the order they run (the stacks' order, bottom up). */
export const PHASE_ORDER = ['input', 'lookup', 'allToAll', 'bottomMlp', 'interaction', 'topMlp', 'backward', 'allReduce', 'sparseUpdate', 'denseUpdate'] as const;

export const PHASE_LABELS: Record<string, string> = {
  input: 'Input',
  lookup: 'Lookup / pooling',
  allToAll: 'All-to-all',
  bottomMlp: 'Bottom MLP',
  interaction: 'Interaction',
  topMlp: 'Top MLP + loss',
  backward: 'Backward',
  allReduce: 'All-reduce',
  sparseUpdate: 'Sparse update',
  denseUpdate: 'Dense update',
};

export interface PhaseColumn {
  step: number;
  /** ms per step of each phase, in PHASE_ORDER (missing: 0). */
  ms: number[];
  total: number;
}

export interface PhaseSummary {
  phase: string;
  label: string;
  /** Mean ms per step over the columns. */
  meanMs: number;
  share: number;
}

/** Stacked columns (one per recorded point) and the mean of each phase; empty when the run recorded none. */
export function phaseColumns(series: readonly MetricSeries[]): { columns: PhaseColumn[]; summary: PhaseSummary[]; maxTotal: number } {
  const byPhase = PHASE_ORDER.map((phase) => series.find((s) => s.name === `phase/${phase}`) ?? null);
  const steps = new Set<number>();
  for (const s of byPhase) s?.step.forEach((step) => steps.add(step));
  const columns = [...steps]
    .sort((a, b) => a - b)
    .map((step) => {
      const ms = byPhase.map((s) => {
        if (!s) return 0;
        const i = s.step.indexOf(step);
        const v = i >= 0 ? s.value[i] : null;
        return v !== null && v !== undefined && Number.isFinite(v) && v > 0 ? v : 0;
      });
      return { step, ms, total: ms.reduce((a, b) => a + b, 0) };
    });
  const n = Math.max(1, columns.length);
  const means = PHASE_ORDER.map((_, p) => columns.reduce((a, c) => a + c.ms[p], 0) / n);
  const total = means.reduce((a, b) => a + b, 0);
  return {
    columns,
    summary: PHASE_ORDER.map((phase, p) => ({ phase, label: PHASE_LABELS[phase], meanMs: means[p], share: total > 0 ? means[p] / total : 0 })),
    maxTotal: Math.max(0, ...columns.map((c) => c.total)),
  };
}

export interface PlanColumn {
  worker: number;
  /** Whole tables (or row ranges) on this worker, largest first, with their bytes (rows x D x 4). */
  tables: { table: number; bytes: number; rows: number }[];
  totalBytes: number;
  lookupsPerStep: number;
}

export interface PlanArrow {
  from: number;
  to: number;
  bytes: number;
}

/** Worker columns and the butterfly's arrows (pooled vectors from a table's holder to each other worker's slice). */
export function planLayout(answer: ShardingAnswer): { columns: PlanColumn[]; arrows: PlanArrow[]; maxBytes: number } {
  const D = answer.embeddingDim;
  const columns: PlanColumn[] = answer.cost.perWorker.map((w) => ({ worker: w.worker, tables: [], totalBytes: w.totalBytes, lookupsPerStep: w.lookupsPerStep }));
  for (const shard of answer.plan.shards) {
    const rows = answer.tableSizes[shard.table] ?? 0;
    if (shard.kind === 'table') {
      columns[shard.worker]?.tables.push({ table: shard.table, rows, bytes: rows * D * 4 });
    } else {
      shard.workers.forEach((w, k) => {
        const part = shard.rowStarts[k + 1] - shard.rowStarts[k];
        columns[w]?.tables.push({ table: shard.table, rows: part, bytes: part * D * 4 });
      });
    }
  }
  for (const c of columns) c.tables.sort((a, b) => b.bytes - a.bytes || a.table - b.table);
  const arrows: PlanArrow[] = [];
  answer.cost.pairBytesPerStep.forEach((row, from) =>
    row.forEach((bytes, to) => {
      if (from !== to && bytes > 0) arrows.push({ from, to, bytes });
    }),
  );
  return { columns, arrows, maxBytes: Math.max(1, ...columns.map((c) => c.tables.reduce((a, t) => a + t.bytes, 0))) };
}
