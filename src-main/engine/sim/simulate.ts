/**
 * The closed loop: each round every active user gets a slate from the policy, chooses (or not),
 * drifts toward what they consumed, and the impressions go to the log the policy retrains on.
 * Every policy runs on its own copy of the same world (same seed: same users, catalogue and choice
 * draws), so the comparison between policies is paired. Policies advance round by round together,
 * so curves grow side by side; the run can be cancelled between rounds.
 *
 * Shape letters: U users, A items available, T topics, K slate size, R rounds.
 */
import type { PolicyKind, PolicySpec, SimulationRoundMetrics, SimulationSpec } from '../../domain';
import { ImpressionLog, type SimulationFeatures } from './log';
import { gini, intraListDiversity, jaccardBits, normalizedEntropy, type SimulationMetricName } from './metrics';
import { MatrixFactorizationTrainer, type ClickModelTrainer } from './model';
import { createPolicy, RandomPolicy, type Policy, type PolicyContext } from './policies';
import { Random, STREAM } from './random';
import { policyLabel, SimulationSpecError, validateSimulationSpec } from './spec';
import { WORLD_CONSTANTS, World } from './world';

/** The user whose consumed-topic mix is reported each round (users are exchangeable draws). */
export const TRACKED_USER = 0;
/** Number of random user pairs over which homogenisation is averaged. */
export const HOMOGENIZATION_PAIRS = 1000;

export interface SimulationRunOptions {
  /** Called after each policy finishes a round, with its metrics and the tracked user's topic mix [T]. */
  onRound?: (policyLabel: string, metrics: SimulationRoundMetrics, trackedUserShares: number[]) => void;
  /** Cancels between rounds; the result then has cancelled = true and the rounds done so far. */
  signal?: AbortSignal;
  /** Click-model trainer of 'greedy-dlrm' policies: one instance, or a factory called once per such policy. */
  dlrmTrainer?: ClickModelTrainer | ((policy: PolicySpec) => ClickModelTrainer);
}

export interface SimulationResult {
  /** The validated spec (labels and parameters filled in). */
  spec: SimulationSpec;
  /** policy label -> per-round metrics. */
  metrics: Record<string, SimulationRoundMetrics[]>;
  /** policy label -> the tracked user's consumed-topic mix per round, [round][topic]. */
  trackedUser: Record<string, number[][]>;
  trackedUserId: number;
  /** Rounds every policy completed. */
  roundsCompleted: number;
  cancelled: boolean;
  millis: number;
}

/** One policy's copy of the world and its running state. */
class PolicyRun {
  readonly label: string;
  readonly world: World;
  readonly log: ImpressionLog;
  readonly policy: Policy;
  readonly metrics: SimulationRoundMetrics[] = [];
  readonly trackedShares: number[][] = [];
  private readonly startup = new RandomPolicy();
  private readonly random: Random;
  private readonly features: { -readonly [K in keyof SimulationFeatures]: SimulationFeatures[K] };
  private readonly itemIds: Int32Array;
  private readonly slate: Int32Array;
  private readonly slateUtilities: Float64Array;
  private readonly impressions: Int32Array;
  private readonly topicMix: Float64Array;

  constructor(
    private readonly spec: SimulationSpec,
    policySpec: PolicySpec,
    options: SimulationRunOptions,
    private readonly pairs: Int32Array,
  ) {
    this.label = policyLabel(policySpec);
    this.world = new World(spec);
    const world = this.world;
    const T = spec.topics;
    this.features = {
      userCount: spec.users,
      itemCount: spec.items,
      topicCount: T,
      itemTopics: world.itemTopics.subarray(0, spec.items * T),
      itemExtremeness: world.itemExtremeness.subarray(0, spec.items),
      userHistoryTopics: world.historyTopics,
    };
    // Start with room for about 16 rounds of impressions; the log doubles as needed.
    this.log = new ImpressionLog(Math.min(spec.users * spec.slateSize * Math.min(spec.rounds, 16), 1 << 20), this.features);
    const dlrm = options.dlrmTrainer;
    this.policy = createPolicy(policySpec, {
      spec,
      capacity: world.capacity,
      makeMatrixFactorization: () => new MatrixFactorizationTrainer({ seed: spec.seed }),
      dlrmTrainer: typeof dlrm === 'function' ? dlrm(policySpec) : dlrm,
    });
    this.random = new Random(spec.seed, STREAM.policy);
    this.itemIds = Int32Array.from({ length: world.capacity }, (_, i) => i);
    this.slate = new Int32Array(spec.slateSize);
    this.slateUtilities = new Float64Array(spec.slateSize);
    this.impressions = new Int32Array(world.capacity);
    this.topicMix = new Float64Array(T);
  }

  async step(round: number): Promise<SimulationRoundMetrics> {
    const spec = this.spec;
    const world = this.world;
    const T = spec.topics;
    const A = world.availableItems(round);
    this.features.itemCount = A;
    this.features.itemTopics = world.itemTopics.subarray(0, A * T);
    this.features.itemExtremeness = world.itemExtremeness.subarray(0, A);
    const context: PolicyContext = {
      spec,
      world,
      round,
      available: A,
      itemIds: this.itemIds,
      log: this.log,
      random: this.random,
    };
    // During start-up every policy shows random slates, so all start from the same logged data.
    const policy = round < spec.startupRounds ? this.startup : this.policy;
    await policy.prepare(context);

    const impressions = this.impressions;
    impressions.fill(0, 0, A);
    let slates = 0;
    let clicks = 0;
    let utilitySum = 0;
    let diversitySum = 0;
    let extremeClicks = 0;
    let shownItems = 0;
    const slate = this.slate;
    for (let user = 0; user < spec.users; user++) {
      if (world.active[user] === 0) {
        world.skipChoice();
        continue;
      }
      const length = policy.recommend(user, context, slate);
      slates++;
      for (let r = 0; r < length; r++) {
        const item = slate[r]!;
        if (impressions[item] === 0) shownItems++;
        impressions[item]! += 1;
      }
      diversitySum += intraListDiversity(slate, length, world.itemTopicsUnit, T);
      const chosen = world.choose(user, slate, length, this.slateUtilities);
      for (let r = 0; r < length; r++) this.log.append(user, slate[r]!, r, round, r === chosen);
      if (chosen >= 0) {
        const item = slate[chosen]!;
        clicks++;
        utilitySum += this.slateUtilities[chosen]!;
        if (world.itemExtremeness[item]! >= WORLD_CONSTANTS.extremeThreshold) extremeClicks++;
        world.consume(user, item);
        world.missStreak[user] = 0;
      } else {
        world.missStreak[user]! += 1;
        if (spec.churnAfter > 0 && world.missStreak[user]! >= spec.churnAfter) world.active[user] = 0;
      }
    }

    let entropySum = 0;
    let entropyUsers = 0;
    for (let user = 0; user < spec.users; user++) {
      if (world.recentCount[user] === 0) continue;
      world.recentTopicMix(user, this.topicMix);
      entropySum += normalizedEntropy(this.topicMix, T);
      entropyUsers++;
    }
    let jaccardSum = 0;
    const words = (A + 31) >>> 5;
    const pairCount = this.pairs.length / 2;
    for (let k = 0; k < pairCount; k++) {
      jaccardSum += jaccardBits(
        world.consumed,
        this.pairs[2 * k]! * world.wordsPerUser,
        this.pairs[2 * k + 1]! * world.wordsPerUser,
        words,
      );
    }
    const polarization = this.policy === policy ? policy.takePolarization() : 0;

    const metrics: SimulationRoundMetrics = {
      round,
      clickRate: slates > 0 ? clicks / slates : 0,
      meanUtility: clicks > 0 ? utilitySum / clicks : 0,
      intraListDiversity: slates > 0 ? diversitySum / slates : 0,
      coverage: A > 0 ? shownItems / A : 0,
      exposureGini: gini(impressions, A),
      topicEntropy: entropyUsers > 0 ? entropySum / entropyUsers : 0,
      homogenization: pairCount > 0 ? jaccardSum / pairCount : 0,
      polarization,
      extremeShare: clicks > 0 ? extremeClicks / clicks : 0,
      activeUsers: slates,
    };
    this.metrics.push(metrics);
    world.recentTopicMix(TRACKED_USER, this.topicMix);
    const shares = Array.from(this.topicMix, (share) => Math.round(share * 1e5) / 1e5);
    this.trackedShares.push(shares);
    return metrics;
  }

  trackedSharesOf(round: number): number[] {
    return this.trackedShares[round]!;
  }
}

/** Fixed random pairs of distinct users [P, 2] for homogenisation, the same for every policy. */
function homogenizationPairs(spec: SimulationSpec): Int32Array {
  const U = spec.users;
  const pairCount = Math.min(HOMOGENIZATION_PAIRS, (U * (U - 1)) / 2);
  const random = new Random(spec.seed, STREAM.metrics);
  const pairs = new Int32Array(2 * pairCount);
  for (let k = 0; k < pairCount; k++) {
    const a = random.int(U);
    let b = random.int(U - 1);
    if (b >= a) b++;
    pairs[2 * k] = a;
    pairs[2 * k + 1] = b;
  }
  return pairs;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof setImmediate === 'function') setImmediate(resolve);
    else setTimeout(resolve, 0);
  });
}

/**
 * Runs every policy of the spec for spec.rounds rounds on identical copies of the world.
 * The spec is validated first (SimulationSpecError names the bad field).
 */
export async function runSimulation(input: SimulationSpec, options: SimulationRunOptions = {}): Promise<SimulationResult> {
  const started = Date.now();
  const spec = validateSimulationSpec(input);
  spec.policies.forEach((policy, index) => {
    if (policy.kind === 'greedy-dlrm' && options.dlrmTrainer === undefined) {
      throw new SimulationSpecError(`policies[${index}].kind`, 'greedy-dlrm needs a DLRM trainer, and none was given to runSimulation');
    }
  });
  const pairs = homogenizationPairs(spec);
  const runs = spec.policies.map((policy) => new PolicyRun(spec, policy, options, pairs));
  let roundsCompleted = 0;
  let cancelled = false;
  for (let round = 0; round < spec.rounds; round++) {
    if (options.signal?.aborted) {
      cancelled = true;
      break;
    }
    for (const run of runs) {
      const metrics = await run.step(round);
      options.onRound?.(run.label, metrics, run.trackedSharesOf(round));
      await yieldToEventLoop();
    }
    roundsCompleted++;
  }
  const metrics: Record<string, SimulationRoundMetrics[]> = {};
  const trackedUser: Record<string, number[][]> = {};
  for (const run of runs) {
    metrics[run.label] = run.metrics.slice(0, roundsCompleted);
    trackedUser[run.label] = run.trackedShares.slice(0, roundsCompleted);
  }
  return { spec, metrics, trackedUser, trackedUserId: TRACKED_USER, roundsCompleted, cancelled, millis: Date.now() - started };
}

/** Mean of one metric over the last `lastRounds` rounds of a series (all rounds when shorter). */
export function meanOverLastRounds(series: readonly SimulationRoundMetrics[], metric: SimulationMetricName, lastRounds: number): number {
  const from = Math.max(0, series.length - Math.max(1, lastRounds));
  let sum = 0;
  for (let k = from; k < series.length; k++) sum += series[k]![metric];
  return series.length > from ? sum / (series.length - from) : 0;
}

export interface SweepOptions extends SimulationRunOptions {
  /** 'lambda' sweeps MMR (or calibrated, see policyKind); 'epsilon' sweeps epsilon-greedy. */
  parameter: 'lambda' | 'epsilon';
  /** Parameter values, one frontier point each (0..1). */
  values: number[];
  /** Policy swept for 'lambda' (default 'mmr'). */
  policyKind?: 'mmr' | 'calibrated';
  /** Policies marked on the frontier for reference (default greedy-mf and oracle). */
  references?: PolicyKind[];
  /** Rounds averaged at the end of the run (default a quarter of the rounds, at least 1). */
  lastRounds?: number;
  /** Default 'clickRate'. */
  engagementMetric?: SimulationMetricName;
  /** Default 'intraListDiversity'. */
  diversityMetric?: SimulationMetricName;
}

export interface FrontierPoint {
  label: string;
  kind: PolicyKind;
  /** The swept parameter's value (null for reference policies). */
  value: number | null;
  /** Mean engagement metric over the last rounds. */
  engagement: number;
  /** Mean diversity metric over the last rounds. */
  diversity: number;
}

export interface SweepResult {
  /** One point per swept value, in the order given. */
  points: FrontierPoint[];
  /** The reference policies' points. */
  references: FrontierPoint[];
  lastRounds: number;
  result: SimulationResult;
}

/**
 * Engagement-versus-diversity frontier: runs one simulation whose policies are the swept policy at
 * each value plus the reference policies (all paired on the same world), then averages engagement
 * and diversity over the last rounds. base.policies is ignored.
 */
export async function sweep(base: SimulationSpec, options: SweepOptions): Promise<SweepResult> {
  const kind: PolicyKind = options.parameter === 'epsilon' ? 'epsilon-greedy' : (options.policyKind ?? 'mmr');
  const swept: PolicySpec[] = options.values.map((value) =>
    options.parameter === 'epsilon' ? { kind, epsilon: value } : { kind, lambda: value },
  );
  const references: PolicySpec[] = (options.references ?? ['greedy-mf', 'oracle']).map((reference) => ({ kind: reference }));
  const spec: SimulationSpec = { ...base, policies: [...swept, ...references] };
  const result = await runSimulation(spec, options);
  const lastRounds = options.lastRounds ?? Math.max(1, Math.floor(result.spec.rounds / 4));
  const engagementMetric = options.engagementMetric ?? 'clickRate';
  const diversityMetric = options.diversityMetric ?? 'intraListDiversity';
  const point = (policy: PolicySpec, value: number | null): FrontierPoint => {
    const label = policyLabel(policy);
    const series = result.metrics[label] ?? [];
    return {
      label,
      kind: policy.kind,
      value,
      engagement: meanOverLastRounds(series, engagementMetric, lastRounds),
      diversity: meanOverLastRounds(series, diversityMetric, lastRounds),
    };
  };
  // the validated policies carry the labels the results are keyed by (duplicates made unique there)
  const ran = result.spec.policies;
  return {
    points: swept.map((_, index) => point(ran[index]!, options.values[index]!)),
    references: references.map((_, index) => point(ran[swept.length + index]!, null)),
    lastRounds,
    result,
  };
}
