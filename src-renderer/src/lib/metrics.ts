import type { MetricSeries, MetricValues, RunSummary } from '../../../src-main/service/contract';

/** What the x-axis of a curve counts. */
export type XAxisKind = 'step' | 'samples' | 'wallTime';

export const X_AXIS_LABELS: Record<XAxisKind, string> = {
  step: 'Step',
  samples: 'Samples seen',
  wallTime: 'Wall time (s)',
};

export interface MetricInfo {
  /** Series name on the wire, e.g. 'valid/auc'. */
  name: string;
  title: string;
  /** Whether a larger value is better (AUC) or worse (loss). null when neither (throughput is "higher"). */
  higherIsBetter: boolean;
}

/** Well-known series in the order the run view shows them. Unknown names are shown after these. */
export const KNOWN_METRICS: readonly MetricInfo[] = [
  { name: 'train/loss', title: 'Training loss', higherIsBetter: false },
  { name: 'valid/auc', title: 'Validation AUC', higherIsBetter: true },
  { name: 'valid/logloss', title: 'Validation log loss', higherIsBetter: false },
  { name: 'valid/accuracy', title: 'Validation accuracy', higherIsBetter: true },
  { name: 'train/samples_per_sec', title: 'Throughput (samples/s)', higherIsBetter: true },
  { name: 'valid/ne', title: 'Validation normalized entropy', higherIsBetter: false },
  { name: 'train/lr', title: 'Learning rate', higherIsBetter: true },
  { name: 'valid/mean_prediction', title: 'Mean prediction (valid)', higherIsBetter: true },
];

/** Title and direction of any series name. */
export function metricInfo(name: string): MetricInfo {
  const known = KNOWN_METRICS.find((metric) => metric.name === name);
  if (known) return known;
  const lower = name.toLowerCase();
  const higherIsBetter = !/(loss|entropy|error|time)/.test(lower);
  return { name, title: name, higherIsBetter };
}

/** The series a run view shows first: loss, AUC, log loss, accuracy, throughput. */
export const PRIMARY_METRICS: readonly string[] = KNOWN_METRICS.slice(0, 5).map((metric) => metric.name);

/** Known names first in their order, then the others alphabetically. */
export function orderMetricNames(names: Iterable<string>): string[] {
  const unique = [...new Set(names)];
  const rank = (name: string) => {
    const index = KNOWN_METRICS.findIndex((metric) => metric.name === name);
    return index === -1 ? KNOWN_METRICS.length : index;
  };
  return unique.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export interface XYPoint {
  x: number;
  y: number;
}

/** The (x, value) points of a series, skipping missing values. Sorted by x. */
export function seriesPoints(series: MetricSeries, xAxis: XAxisKind): XYPoint[] {
  const xs = xAxis === 'step' ? series.step : xAxis === 'samples' ? series.samples : series.wallTime;
  const points: XYPoint[] = [];
  for (let i = 0; i < series.value.length; i += 1) {
    const y = series.value[i];
    const x = xs[i];
    if (typeof y === 'number' && Number.isFinite(y) && typeof x === 'number' && Number.isFinite(x)) {
      points.push({ x, y });
    }
  }
  points.sort((a, b) => a.x - b.x);
  return points;
}

/** Columns of the runs table and the compare table that hold a metric value. */
export type SummaryMetricKey =
  | 'best.auc'
  | 'last.auc'
  | 'best.logLoss'
  | 'last.logLoss'
  | 'test.auc'
  | 'test.logLoss'
  | 'best.accuracy'
  | 'last.accuracy';

export const SUMMARY_METRICS: readonly { key: SummaryMetricKey; title: string; short: string; higherIsBetter: boolean }[] = [
  { key: 'best.auc', short: 'Best AUC', title: 'Best valid AUC', higherIsBetter: true },
  { key: 'last.auc', short: 'Last AUC', title: 'Last valid AUC', higherIsBetter: true },
  { key: 'best.logLoss', short: 'Best log loss', title: 'Best valid log loss', higherIsBetter: false },
  { key: 'last.logLoss', short: 'Last log loss', title: 'Last valid log loss', higherIsBetter: false },
  { key: 'test.auc', short: 'Test AUC', title: 'Test AUC', higherIsBetter: true },
  { key: 'test.logLoss', short: 'Test log loss', title: 'Test log loss', higherIsBetter: false },
  { key: 'best.accuracy', short: 'Best accuracy', title: 'Best valid accuracy', higherIsBetter: true },
  { key: 'last.accuracy', short: 'Last accuracy', title: 'Last valid accuracy', higherIsBetter: true },
];

/** Value of a summary metric, or null. */
export function summaryMetric(run: RunSummary, key: SummaryMetricKey): number | null {
  const [group, field] = key.split('.') as ['best' | 'last' | 'test', keyof MetricValues];
  const value = run[group]?.[field];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
