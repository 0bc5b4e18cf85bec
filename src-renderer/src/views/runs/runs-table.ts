/** Filtering and sorting of the runs table (pure functions, unit-tested). */
import type { RunStatus, RunSummary, StartRunInput } from '../../../../src-main/service/contract';
import { flattenConfig, type FlatValue } from '../../lib/config-diff';
import { summaryMetric, type SummaryMetricKey } from '../../lib/metrics';

/** Configuration values the filter offers, as flattened paths of StartRunInput. */
export const CONFIG_FILTER_KEYS: readonly { path: string; label: string }[] = [
  { path: 'model.preset', label: 'Preset' },
  { path: 'model.kind', label: 'Model kind' },
  { path: 'train.batchSize', label: 'Batch size' },
  { path: 'train.epochs', label: 'Epochs' },
  { path: 'model.embeddingDim', label: 'Embedding dim' },
  { path: 'model.hashSize', label: 'Hash size' },
  { path: 'model.interaction', label: 'Interaction' },
  { path: 'optimizer.learningRate', label: 'Learning rate' },
  { path: 'optimizer.dense', label: 'Dense optimizer' },
  { path: 'optimizer.sparse', label: 'Sparse optimizer' },
  { path: 'dataset.kind', label: 'Dataset kind' },
  { path: 'dataset.rows', label: 'Synthetic rows' },
  { path: 'train.backend', label: 'Backend (forced)' },
];

export interface RunFilter {
  /** Free text over name, tags and notes. */
  text: string;
  status: RunStatus | '';
  tag: string;
  /** Flattened config path, e.g. 'train.batchSize'; '' for no config filter. */
  configKey: string;
  configValue: string;
  metric: SummaryMetricKey;
  metricOp: '>=' | '<=';
  /** Threshold as typed; '' for no metric filter. */
  metricValue: string;
}

export const EMPTY_FILTER: RunFilter = {
  text: '',
  status: '',
  tag: '',
  configKey: '',
  configValue: '',
  metric: 'best.auc',
  metricOp: '>=',
  metricValue: '',
};

export function isFilterActive(filter: RunFilter): boolean {
  return (
    filter.text.trim() !== '' ||
    filter.status !== '' ||
    filter.tag !== '' ||
    (filter.configKey !== '' && filter.configValue.trim() !== '') ||
    filter.metricValue.trim() !== ''
  );
}

/** A configuration value of a run; summary fields stand in while the config is not loaded. */
export function configValue(run: RunSummary, config: StartRunInput | undefined, path: string): FlatValue | undefined {
  if (config) {
    const flat = flattenConfig(config);
    if (path in flat) return flat[path];
  }
  if (path === 'model.preset') return run.preset;
  if (path === 'model.kind') return run.modelKind;
  return undefined;
}

/** Numbers compare equal numerically ("0.10" matches 0.1); text matches case-insensitively as a substring. */
export function matchesValue(value: FlatValue | undefined, wanted: string): boolean {
  const needle = wanted.trim();
  if (needle === '') return true;
  if (value === undefined || value === null) return false;
  const wantedNumber = Number(needle);
  if (typeof value === 'number' && Number.isFinite(wantedNumber)) return value === wantedNumber;
  return String(value).toLowerCase().includes(needle.toLowerCase());
}

export function filterRuns(
  runs: readonly RunSummary[],
  filter: RunFilter,
  configs: Readonly<Record<string, StartRunInput>>,
): RunSummary[] {
  const text = filter.text.trim().toLowerCase();
  const threshold = filter.metricValue.trim() === '' ? null : Number(filter.metricValue);
  return runs.filter((run) => {
    if (text) {
      const haystack = [run.name, run.notes, ...run.tags, run.id].join('\n').toLowerCase();
      if (!haystack.includes(text)) return false;
    }
    if (filter.status && run.status !== filter.status) return false;
    if (filter.tag && !run.tags.includes(filter.tag)) return false;
    if (filter.configKey && filter.configValue.trim() !== '') {
      if (!matchesValue(configValue(run, configs[run.id], filter.configKey), filter.configValue)) return false;
    }
    if (threshold !== null && Number.isFinite(threshold)) {
      const value = summaryMetric(run, filter.metric);
      if (value === null) return false;
      if (filter.metricOp === '>=' ? value < threshold : value > threshold) return false;
    }
    return true;
  });
}

export type SortKey = 'name' | 'status' | 'createdAt' | 'model' | 'batchSize' | SummaryMetricKey;
export type SortDirection = 'asc' | 'desc';

const STATUS_ORDER: Record<RunStatus, number> = {
  running: 0,
  queued: 1,
  interrupted: 2,
  failed: 3,
  cancelled: 4,
  finished: 5,
};

/** Sorted copy; runs without a value sort last whatever the direction. Ties keep newest first. */
export function sortRuns(
  runs: readonly RunSummary[],
  key: SortKey,
  direction: SortDirection,
  configs: Readonly<Record<string, StartRunInput>>,
): RunSummary[] {
  const sign = direction === 'asc' ? 1 : -1;
  const valueOf = (run: RunSummary): string | number | null => {
    switch (key) {
      case 'name':
        return run.name.toLowerCase();
      case 'status':
        return STATUS_ORDER[run.status];
      case 'createdAt':
        return Date.parse(run.createdAt) || 0;
      case 'model':
        return `${run.modelKind} ${run.preset ?? ''}`;
      case 'batchSize':
        return configs[run.id]?.train.batchSize ?? null;
      default:
        return summaryMetric(run, key);
    }
  };
  return [...runs].sort((a, b) => {
    const left = valueOf(a);
    const right = valueOf(b);
    if (left === null && right === null) return b.createdAt.localeCompare(a.createdAt);
    if (left === null) return 1;
    if (right === null) return -1;
    const order = typeof left === 'number' && typeof right === 'number' ? left - right : String(left).localeCompare(String(right));
    return order !== 0 ? sign * order : b.createdAt.localeCompare(a.createdAt);
  });
}
