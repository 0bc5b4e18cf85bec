/**
 * What the simulation's plots say: each metric's title, caption and kind come from the domain
 * (src-main/domain/simulation-vocabulary.ts, the names the engine stores); the frontier and
 * tracked-user captions are the renderer's own (they describe its plots).
 */
import {
  SIMULATION_METRICS,
  simulationMetricInfo,
  type SimulationMetricInfo,
  type SimulationMetricName,
} from '../../../../src-main/domain/simulation-vocabulary';

export type SimMetricName = SimulationMetricName;
export type SimMetricInfo = SimulationMetricInfo;
export const SIM_METRICS: readonly SimMetricInfo[] = SIMULATION_METRICS;
export const metricInfo = simulationMetricInfo;

export function formatMetricValue(info: SimMetricInfo, value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (info.kind === 'share') return `${(value * 100).toFixed(1)}%`;
  if (info.kind === 'count') return Math.round(value).toLocaleString('en-US');
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(3);
}

export const FRONTIER_CAPTION =
  'Each point is one policy, averaged over the last quarter of the rounds. Up is more engagement, right is more diversity. ' +
  'Sweeping MMR’s λ (the weight of relevance against novelty) traces the trade-off: λ = 1 ranks by predicted clicks only, ' +
  'smaller λ buys diversity with engagement. The greedy policy and the oracle (which knows what users truly like) are marked for reference.';

export const TRACKED_USER_CAPTION =
  'The topics one simulated user clicked, round by round (each band is a topic; its height is that topic’s share of the user’s clicks). ' +
  'Under an engagement-greedy policy the bands often narrow to one or two topics: the filter bubble, seen from one person.';
