/**
 * The antidote-data experiment on the simulator's log (engine/cf/antidote.ts): the world runs with
 * random slates; every impression is an explicit rating (1 clicked, 0 shown and not clicked) of a
 * users x items matrix; an explicit-ALS recommender is fitted on it; for each budget (antidote users
 * as a share of the users) antidote ratings are optimised to lower polarisation (or unfairness), and
 * polarisation and each group's error are measured before and after. The two groups: users with more
 * clicks than the median (group 1, "active") and the others (group 0).
 *
 * Shape letters: U users, N items at the end of the log.
 */
import type { AntidoteExperimentResult as AntidoteExperiment, AntidoteResultPoint as AntidotePoint, SimulationSpec } from '../../domain';
import { computeAntidote, RatingMatrix, type AntidoteObjective, type Entry } from '../cf';

// The experiment's result is the domain's AntidoteExperimentResult (declared once in src-main/domain).
export type { AntidoteExperiment, AntidotePoint };
import { randomLog } from './recommender-comparison';
import { DEFAULT_SIMULATION, validateSimulationSpec } from './spec';

/** A small world (a few seconds for the default budgets). */
export const ANTIDOTE_WORLD: Readonly<Partial<SimulationSpec>> = Object.freeze({ users: 200, items: 300, topics: 8, rounds: 20, newItemsPerRound: 0, slateSize: 10 });

export const DEFAULT_ANTIDOTE_BUDGETS: readonly number[] = [0.01, 0.02, 0.05, 0.1];

export interface AntidoteExperimentOptions {
  /** The world (policies ignored). Default ANTIDOTE_WORLD with seed 42. */
  spec?: Partial<SimulationSpec>;
  /** Shares of the users (0 < budget <= 1). Default DEFAULT_ANTIDOTE_BUDGETS. */
  budgets?: readonly number[];
  objective?: AntidoteObjective;
  /** Projected-gradient steps per budget (default 30) and their size (default 0.1). */
  steps?: number;
  stepSize?: number;
  /** Called after each budget with the fraction done. */
  onProgress?: (fraction: number, message: string) => void;
}

/** The log's impressions as explicit 0/1 ratings, and the activity groups. */
export function logRatings(spec: SimulationSpec): { matrix: RatingMatrix; groups: Uint8Array } {
  const { log } = randomLog(spec);
  const items = log.features.itemCount;
  const entries: Entry[] = [];
  const clicks = new Float64Array(spec.users);
  for (let row = 0; row < log.length; row++) {
    entries.push({ user: log.users[row]!, item: log.items[row]!, value: log.clicked[row]! });
    clicks[log.users[row]!]! += log.clicked[row]!;
  }
  const sorted = Float64Array.from(clicks).sort();
  const median = sorted[Math.floor((spec.users - 1) / 2)]!;
  const groups = Uint8Array.from(clicks, (c) => (c > median ? 1 : 0));
  return { matrix: RatingMatrix.fromEntries(spec.users, items, entries), groups };
}

export function runAntidoteExperiment(options: AntidoteExperimentOptions = {}): AntidoteExperiment {
  const spec = validateSimulationSpec({ ...DEFAULT_SIMULATION, ...ANTIDOTE_WORLD, ...options.spec, policies: [{ kind: 'random' }] });
  const budgets = options.budgets ?? DEFAULT_ANTIDOTE_BUDGETS;
  budgets.forEach((budget, k) => {
    if (!(budget > 0 && budget <= 1)) throw new RangeError(`budgets[${k}]: a share of the users in (0, 1], got ${budget}`);
  });
  const objective = options.objective ?? 'polarization';
  const { matrix, groups } = logRatings(spec);
  let active = 0;
  for (const g of groups) active += g;
  const points: AntidotePoint[] = [];
  budgets.forEach((budget, k) => {
    const result = computeAntidote(matrix, { objective, budget, groups, seed: spec.seed, ...(options.steps !== undefined ? { steps: options.steps } : {}), ...(options.stepSize !== undefined ? { stepSize: options.stepSize } : {}) });
    points.push({ budget, antidoteUsers: result.antidoteUsers, before: result.before, after: result.after });
    options.onProgress?.((k + 1) / budgets.length, `budget ${budget}: polarisation ${result.before.polarization.toExponential(3)} -> ${result.after.polarization.toExponential(3)}`);
  });
  return { seed: spec.seed, users: spec.users, items: matrix.items, ratings: matrix.entries, objective, groupSizes: [spec.users - active, active], points };
}
