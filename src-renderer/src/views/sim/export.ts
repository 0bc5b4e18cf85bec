/** CSV of a simulation's per-round metrics: one line per (policy, round), one column per metric. */
import type { SimulationDetail, SimulationRoundMetrics } from '../../../../src-main/service/contract';

const METRICS: readonly (keyof SimulationRoundMetrics)[] = [
  'round',
  'clickRate',
  'meanUtility',
  'intraListDiversity',
  'coverage',
  'exposureGini',
  'topicEntropy',
  'homogenization',
  'polarization',
  'extremeShare',
  'activeUsers',
];

function field(value: string | number | null): string {
  if (value === null || (typeof value === 'number' && !Number.isFinite(value))) return '';
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function simulationCsv(detail: SimulationDetail): string {
  const lines = [['simulation_id', 'seed', 'policy', ...METRICS].join(',')];
  for (const [policy, rounds] of Object.entries(detail.metrics)) {
    for (const row of rounds) lines.push([detail.id, detail.seed, policy, ...METRICS.map((m) => row[m])].map(field).join(','));
  }
  return lines.join('\n') + '\n';
}
