/**
 * Frontier points of a simulation: each policy's engagement and diversity averaged over the last
 * quarter of its rounds (as the engine's sweep does), with the policy kind and swept parameter so the
 * plot can mark greedy and oracle and join the swept points in parameter order.
 */
import type { PolicyKind, SimulationDetail, SimulationRoundMetrics } from '../../../../src-main/service/contract';
import type { SimMetricName } from './captions';
import { policiesByLabel } from './spec';

export interface FrontierPoint {
  label: string;
  kind: PolicyKind | null;
  /** λ or ε of the policy, when it has one. */
  parameter: number | null;
  x: number;
  y: number;
}

/** Mean of a metric over the last `share` of the rounds (at least one round). */
export function meanOverLast(series: readonly SimulationRoundMetrics[], metric: SimMetricName, share = 0.25): number | null {
  if (series.length === 0) return null;
  const last = Math.max(1, Math.round(series.length * share));
  const from = series.length - last;
  let sum = 0;
  for (let k = from; k < series.length; k += 1) sum += series[k][metric];
  return sum / last;
}

export function frontierPoints(detail: SimulationDetail, xMetric: SimMetricName, yMetric: SimMetricName): FrontierPoint[] {
  const policies = policiesByLabel(detail);
  const points: FrontierPoint[] = [];
  for (const [label, series] of Object.entries(detail.metrics)) {
    const x = meanOverLast(series, xMetric);
    const y = meanOverLast(series, yMetric);
    if (x === null || y === null) continue;
    const policy = policies.get(label);
    points.push({
      label,
      kind: policy?.kind ?? null,
      parameter: policy?.lambda ?? policy?.epsilon ?? null,
      x,
      y,
    });
  }
  return points;
}
