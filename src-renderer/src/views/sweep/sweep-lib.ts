/**
 * Pure parts of the sweep pages (unit-tested): the parameter rows of the form, the axes of the
 * parallel-coordinates and scatter plots, brushing, and the importance of each setting.
 */
import type { EarlyStopMetric, SweepParameter, SweepSetting, SweepTrial, SweepValue } from '../../../../src-main/service/contract';

export const SETTING_LABELS: Record<SweepSetting, string> = {
  learningRate: 'learning rate',
  sparseLearningRate: 'table learning rate',
  weightDecay: 'weight decay',
  denseOptimizer: 'MLP optimizer',
  sparseOptimizer: 'table optimizer',
  batchSize: 'batch size',
  embeddingDim: 'embedding dim',
  hashSize: 'table rows',
  minCount: 'vocab min count',
  bottomMlp: 'bottom MLP',
  topMlp: 'top MLP',
  interaction: 'interaction',
  modelKind: 'model',
};

export const SETTINGS = Object.keys(SETTING_LABELS) as SweepSetting[];

export const METRIC_LABELS: Record<EarlyStopMetric, string> = { auc: 'valid AUC', logLoss: 'valid log loss' };

/**
 * One row of the form: "0.001, 0.01, 0.1" (values), "0.001..0.1 log" or "4..32 int" (a range,
 * random and halving only). Values that all read as numbers are numbers.
 */
export function parseParameterRow(setting: SweepSetting, text: string): SweepParameter | string {
  const trimmed = text.trim();
  const range = /^(-?[\d.e+-]+)\s*\.\.\s*(-?[\d.e+-]+)\s*(log|linear|int|log int|int log)?$/i.exec(trimmed);
  if (range) {
    const min = Number(range[1]);
    const max = Number(range[2]);
    const flags = (range[3] ?? '').toLowerCase();
    if (!Number.isFinite(min) || !Number.isFinite(max) || !(max > min)) return `${SETTING_LABELS[setting]}: a range needs min < max`;
    const scale = flags.includes('log') ? 'log' : 'linear';
    if (scale === 'log' && !(min > 0)) return `${SETTING_LABELS[setting]}: a log range needs min > 0`;
    return { setting, range: { min, max, scale, ...(flags.includes('int') ? { integer: true } : {}) } };
  }
  const parts = trimmed.split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) return `${SETTING_LABELS[setting]}: give values (a, b, c) or a range (min..max log)`;
  const numbers = parts.map(Number);
  const values: SweepValue[] = numbers.every((n) => Number.isFinite(n)) ? numbers : parts;
  return { setting, values };
}

/** The settings a sweep varies, in the order its trials list them. */
export function sweptSettings(trials: readonly SweepTrial[]): SweepSetting[] {
  const seen: SweepSetting[] = [];
  for (const t of trials) for (const key of Object.keys(t.settings) as SweepSetting[]) if (!seen.includes(key)) seen.push(key);
  return seen;
}

/** An axis: numeric (log when positive over more than a decade) or categorical (values evenly spaced). */
export interface Axis {
  key: string;
  label: string;
  kind: 'numeric' | 'categorical';
  log: boolean;
  min: number;
  max: number;
  categories: string[];
}

export function makeAxis(key: string, label: string, values: readonly (SweepValue | null | undefined)[]): Axis {
  const present = values.filter((v): v is SweepValue => v !== null && v !== undefined);
  const numeric = present.length > 0 && present.every((v) => typeof v === 'number');
  if (numeric) {
    const nums = present as number[];
    const min = Math.min(...nums);
    const max = Math.max(...nums);
    const log = min > 0 && max / min > 10;
    return { key, label, kind: 'numeric', log, min, max, categories: [] };
  }
  const categories = [...new Set(present.map(String))];
  return { key, label, kind: 'categorical', log: false, min: 0, max: Math.max(categories.length - 1, 1), categories };
}

/** Position of a value on an axis, 0 (bottom) .. 1 (top); null when it has none. */
export function axisPosition(axis: Axis, value: SweepValue | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  if (axis.kind === 'categorical') {
    const i = axis.categories.indexOf(String(value));
    if (i < 0) return null;
    return axis.categories.length === 1 ? 0.5 : i / (axis.categories.length - 1);
  }
  const v = Number(value);
  if (!Number.isFinite(v)) return null;
  if (axis.max === axis.min) return 0.5;
  if (axis.log) return (Math.log(v) - Math.log(axis.min)) / (Math.log(axis.max) - Math.log(axis.min));
  return (v - axis.min) / (axis.max - axis.min);
}

/** Axes of a sweep: one per swept setting, then the ranking metric. */
export function sweepAxes(trials: readonly SweepTrial[], metric: EarlyStopMetric): Axis[] {
  const axes = sweptSettings(trials).map((s) => makeAxis(s, SETTING_LABELS[s], trials.map((t) => t.settings[s])));
  axes.push(makeAxis('value', METRIC_LABELS[metric], trials.map((t) => t.value)));
  return axes;
}

/** A trial's value on an axis (a setting, or 'value' for the metric). */
export function trialValue(trial: SweepTrial, key: string): SweepValue | null | undefined {
  return key === 'value' ? trial.value : trial.settings[key as SweepSetting];
}

/** Brushes: axis key -> [low, high] in axis positions (0..1). */
export type Brushes = Record<string, [number, number]>;

/** Indices of the trials inside every brush (a trial without a value on a brushed axis is out). */
export function brushedTrials(trials: readonly SweepTrial[], axes: readonly Axis[], brushes: Brushes): Set<number> {
  const inside = new Set<number>();
  for (const t of trials) {
    let ok = true;
    for (const axis of axes) {
      const brush = brushes[axis.key];
      if (!brush) continue;
      const p = axisPosition(axis, trialValue(t, axis.key));
      if (p === null || p < brush[0] - 1e-9 || p > brush[1] + 1e-9) {
        ok = false;
        break;
      }
    }
    if (ok) inside.add(t.index);
  }
  return inside;
}

export interface SettingImportance {
  setting: SweepSetting;
  /**
   * Correlation ratio eta^2 in 0..1: share of the metric's variance explained by the setting's
   * groups; null when every trial is a group of its own (eta^2 would be 1 whatever the metric).
   */
  share: number | null;
  groups: number;
}

/**
 * Importance of each setting as the correlation ratio eta^2 = sum_g n_g (mean_g - mean)^2 /
 * sum_i (v_i - mean)^2 over the trials with a value: the share of the metric's variance between
 * the groups of trials that share a value of the setting. A numeric setting with more distinct
 * values than k = min(4, floor(n / 2)) (a random range) is first cut into k groups by rank, so each
 * group averages at least two trials. Settings are scored one
 * at a time, so shares of different settings need not sum to 1 (and with few trials, a setting can
 * look important by chance).
 */
export function settingImportance(trials: readonly SweepTrial[]): SettingImportance[] {
  const scored = trials.filter((t) => t.value !== null && Number.isFinite(t.value));
  const values = scored.map((t) => t.value as number);
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
  const total = values.reduce((a, v) => a + (v - mean) ** 2, 0);
  return sweptSettings(trials).map((setting) => {
    const keys = groupKeys(scored.map((t) => t.settings[setting]), Math.min(4, Math.floor(scored.length / 2)));
    const groups = new Map<string, number[]>();
    scored.forEach((t, i) => {
      const list = groups.get(keys[i]!) ?? [];
      list.push(t.value as number);
      groups.set(keys[i]!, list);
    });
    let between = 0;
    for (const list of groups.values()) {
      const m = list.reduce((a, b) => a + b, 0) / list.length;
      between += list.length * (m - mean) ** 2;
    }
    const share = groups.size >= scored.length ? null : total > 0 ? between / total : 0;
    return { setting, share, groups: groups.size };
  });
}

/** Group of each value: itself, or its rank group (of k) when numeric with more than k distinct values. */
function groupKeys(values: readonly (SweepValue | undefined)[], k: number): string[] {
  const distinct = new Set(values.map(String));
  const numeric = values.every((v) => typeof v === 'number');
  if (!numeric || distinct.size <= k || k < 2) return values.map(String);
  const order = values.map((v, i) => ({ v: v as number, i })).sort((a, b) => a.v - b.v);
  const keys = new Array<string>(values.length);
  order.forEach(({ i }, rank) => (keys[i] = `q${Math.min(k - 1, Math.floor((rank * k) / order.length))}`));
  return keys;
}

/** A setting value as shown: numbers with 4 significant digits. */
export function formatSetting(value: SweepValue | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return typeof value === 'number' ? String(Number(value.toPrecision(4))) : value;
}
