/**
 * Planning a sweep, as pure functions of its spec: the trials' settings (grid, or seeded random
 * draws), a trial's run input, the successive-halving rungs and who is promoted from one rung to the
 * next. No I/O: the service stores the plan and drives the runs; everything here is replayable, so a
 * sweep resumed after a kill makes the same decisions.
 */
import type { EarlyStopMetric } from '../../domain/early-stopping';
import type { SweepParameter, SweepSetting, SweepSpec, SweepValue } from '../../domain/sweep';
import type { StartRunInput } from '../../domain';
import { Rng } from '../random/rng';

export type TrialSettings = Partial<Record<SweepSetting, SweepValue>>;

/** A sweep that cannot be planned, with the field at fault (e.g. 'parameters[1].values'). */
export class SweepPlanError extends Error {
  readonly userFacing = true;
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'SweepPlanError';
  }
}

/** Every combination of the parameters' values, the first parameter varying slowest. */
export function gridTrials(parameters: readonly SweepParameter[], maxTrials: number): TrialSettings[] {
  let combos: TrialSettings[] = [{}];
  parameters.forEach((parameter, i) => {
    if (!parameter.values || parameter.values.length === 0) throw new SweepPlanError('a grid needs a list of values for every setting', `parameters[${i}].values`);
    const next: TrialSettings[] = [];
    for (const combo of combos) for (const value of parameter.values) next.push({ ...combo, [parameter.setting]: value });
    combos = next;
    if (combos.length > maxTrials) throw new SweepPlanError(`the grid has more than ${maxTrials} combinations (raise trials or give fewer values)`, 'trials');
  });
  return combos;
}

/** One draw of a parameter: a uniform pick from its values, or from its range (log: in the logarithm). */
function draw(parameter: SweepParameter, rng: Rng, field: string): SweepValue {
  if (parameter.values && parameter.values.length > 0) return parameter.values[rng.int(parameter.values.length)]!;
  const range = parameter.range;
  if (!range) throw new SweepPlanError('needs values or a range', field);
  const u = rng.uniform();
  let value = range.scale === 'log' ? Math.exp(Math.log(range.min) + u * (Math.log(range.max) - Math.log(range.min))) : range.min + u * (range.max - range.min);
  if (range.integer) value = Math.min(range.max, Math.max(range.min, Math.round(value)));
  else value = Number(value.toPrecision(4));
  return value;
}

/** `count` independent draws of every parameter from one generator seeded by `seed`. */
export function randomTrials(parameters: readonly SweepParameter[], count: number, seed: number): TrialSettings[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const settings: TrialSettings = {};
    parameters.forEach((parameter, i) => (settings[parameter.setting] = draw(parameter, rng, `parameters[${i}]`)));
    return settings;
  });
}

/** The trials of a sweep, in order (trial i is element i). */
export function planTrials(spec: SweepSpec): TrialSettings[] {
  return spec.strategy === 'grid' ? gridTrials(spec.parameters, spec.trials) : randomTrials(spec.parameters, spec.trials, spec.seed);
}

function asNumber(value: SweepValue, setting: SweepSetting): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) throw new SweepPlanError(`expected a number, got "${value}"`, setting);
  return n;
}

/** Replaces the last width of an MLP string ("13-512-256-64-16") with `width`. */
function withLastWidth(mlp: string, width: number): string {
  const parts = mlp.split('-');
  if (parts.length === 0 || mlp === '') return mlp;
  parts[parts.length - 1] = String(width);
  return parts.join('-');
}

/**
 * The run input of a trial: the base with the trial's settings written in. A new embedding
 * dimension also becomes the bottom MLP's last width (DLRM needs them equal) unless the trial sets
 * the bottom MLP itself; a minCount switches the dataset to the vocabulary encoding.
 */
export function trialRunInput(base: StartRunInput, settings: TrialSettings): StartRunInput {
  const input: StartRunInput = structuredClone(base);
  for (const [key, value] of Object.entries(settings) as [SweepSetting, SweepValue][]) {
    switch (key) {
      case 'learningRate': input.optimizer.learningRate = asNumber(value, key); break;
      case 'sparseLearningRate': input.optimizer.sparseLearningRate = asNumber(value, key); break;
      case 'weightDecay': input.optimizer.weightDecay = asNumber(value, key); break;
      case 'denseOptimizer': input.optimizer.dense = String(value) as StartRunInput['optimizer']['dense']; break;
      case 'sparseOptimizer': input.optimizer.sparse = String(value) as StartRunInput['optimizer']['sparse']; break;
      case 'batchSize': input.train.batchSize = asNumber(value, key); break;
      case 'embeddingDim': {
        const dim = asNumber(value, key);
        input.model.embeddingDim = dim;
        if (settings.bottomMlp === undefined && input.model.bottomMlp !== '') input.model.bottomMlp = withLastWidth(input.model.bottomMlp, dim);
        break;
      }
      case 'hashSize': input.model.hashSize = asNumber(value, key); break;
      case 'minCount': input.dataset.categories = { encoding: 'vocab', minCount: asNumber(value, key) }; break;
      case 'bottomMlp': input.model.bottomMlp = String(value); break;
      case 'topMlp': input.model.topMlp = String(value); break;
      case 'interaction': input.model.interaction = String(value) as StartRunInput['model']['interaction']; break;
      case 'modelKind': input.model.kind = String(value) as StartRunInput['model']['kind']; break;
    }
  }
  return input;
}

/** One rung of successive halving: train to `fraction` of the run with `admit` trials. */
export interface Rung {
  fraction: number;
  admit: number;
}

/**
 * Rungs of successive halving (Jamieson and Talwalkar 2016; one bracket of Hyperband): rung k trains
 * max(1, floor(n / eta^k)) trials to eta^-(rungs-1-k) of the full run. Grid and random are one rung
 * at the full run with every trial.
 */
export function rungsOf(strategy: SweepSpec['strategy'], trials: number, eta = 3, rungs = 3): Rung[] {
  if (strategy !== 'halving') return [{ fraction: 1, admit: trials }];
  return Array.from({ length: rungs }, (_, k) => ({
    fraction: eta ** -(rungs - 1 - k),
    admit: Math.max(1, Math.floor(trials / eta ** k)),
  }));
}

/** Whether value a ranks above value b on the metric. */
export function better(metric: EarlyStopMetric, a: number, b: number): boolean {
  return metric === 'auc' ? a > b : a < b;
}

/**
 * Trials promoted to the next rung: the `admit` best by value (ties to the lower index); trials
 * without a value (failed, diverged) are never promoted.
 */
export function promote(results: readonly { index: number; value: number | null }[], admit: number, metric: EarlyStopMetric): number[] {
  return results
    .filter((r): r is { index: number; value: number } => r.value !== null && Number.isFinite(r.value))
    .sort((a, b) => (a.value === b.value ? a.index - b.index : better(metric, a.value, b.value) ? -1 : 1))
    .slice(0, admit)
    .map((r) => r.index)
    .sort((a, b) => a - b);
}
