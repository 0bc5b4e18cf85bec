/** What the run page reads off its metric series. */
import type { MetricSeries } from '../../../../src-main/service/contract';

/** The last finite value logged for a metric, or null. */
export function lastValue(series: readonly MetricSeries[], name: string): number | null {
  const entry = series.find((candidate) => candidate.name === name);
  if (!entry) return null;
  for (let i = entry.value.length - 1; i >= 0; i -= 1) {
    const value = entry.value[i];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return null;
}

/** The last step of the training loss, or null before the first one. */
export function lastStep(series: readonly MetricSeries[]): number | null {
  const loss = series.find((entry) => entry.name === 'train/loss');
  return loss && loss.step.length > 0 ? loss.step[loss.step.length - 1] : null;
}
