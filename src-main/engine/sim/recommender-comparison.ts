/**
 * Collaborative filtering, matrix factorisation and DLRM on the simulator's log, two ways:
 *
 * 1. Offline ranking: the world is run with random slates for `rounds` rounds (an unbiased log: what
 *    a user saw did not depend on any model); the impressions of the first rounds train every model,
 *    the clicks of the last `heldOutRounds` rounds are held out. For each user with held-out clicks on
 *    items that existed at the end of training, the items they had not clicked in training are ranked
 *    and precision, recall and NDCG at k are measured (engine/cf/ranking.ts).
 *    A random ranking and the true utilities (the world's state at the end of the log) give the floor
 *    and the ceiling: a held-out click also needed the item to be shown, at random, so even the truth
 *    scores low.
 *    Models: popularity (training clicks), user-user and item-item CF and implicit ALS on the clicks
 *    (the simulator's CF policies, cf-models.ts), explicit ALS on every impression (clicked 1, shown
 *    and not clicked 0), logistic MF by SGD on every impression (the greedy-mf click model) and DLRM
 *    (the greedy-dlrm click model, injected).
 * 2. Closed loop: the same world with each of them as the policy (popularity, user-knn, item-knn, als,
 *    greedy-mf, greedy-dlrm), paired as in every simulation; engagement (click rate) and slate
 *    diversity averaged over the last quarter of the rounds, plus the share of extreme clicks.
 *
 * Shape letters: U users, A items at the end of training, L impressions.
 */
import type { PolicySpec, SimulationSpec } from '../../domain';
import { AlsModel, RatingMatrix, evaluateRanking, type Entry } from '../cf';
import { CF_POLICY_SETTINGS, clickMatrix, fitCollaborative, type CollaborativeKind } from './cf-models';
import { ImpressionLog, type InteractionLog, type SimulationFeatures } from './log';
import { MatrixFactorizationTrainer, type ClickModelTrainer } from './model';
import { RandomPolicy, type PolicyContext } from './policies';
import { Random, STREAM } from './random';
import { meanOverLastRounds, runSimulation } from './simulate';
import { DEFAULT_SIMULATION, validateSimulationSpec } from './spec';
import { World } from './world';

export interface RecommenderComparisonOptions {
  /** World and rounds (policies ignored). Default: DEFAULT_SIMULATION. */
  spec?: Partial<SimulationSpec>;
  /** Cut-off k of the ranking metrics. Default 10. */
  k?: number;
  /** Rounds at the end of the random log whose clicks are held out. Default a quarter of the rounds. */
  heldOutRounds?: number;
  /** The DLRM click model (a fresh one per call); leave out to skip DLRM. */
  dlrmTrainer?: () => ClickModelTrainer;
  /** Also run the closed-loop simulation of each model as a policy. Default true. */
  closedLoop?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface RankingRow {
  model: string;
  precision: number;
  recall: number;
  ndcg: number;
  users: number;
  fitSeconds: number;
}

export interface LoopRow {
  policy: string;
  clickRate: number;
  intraListDiversity: number;
  coverage: number;
  extremeShare: number;
}

export interface RecommenderComparison {
  spec: SimulationSpec;
  k: number;
  trainRounds: number;
  heldOutRounds: number;
  trainImpressions: number;
  trainClicks: number;
  /** Offline ranking on the held-out clicks, one row per model. */
  ranking: RankingRow[];
  /** Closed-loop engagement and diversity per policy (empty when closedLoop is false). */
  loop: LoopRow[];
}

/** Runs the world for spec.rounds rounds with random slates and returns its log. */
export function randomLog(spec: SimulationSpec): { log: ImpressionLog; world: World } {
  const world = new World(spec);
  const T = spec.topics;
  const features: { -readonly [K in keyof SimulationFeatures]: SimulationFeatures[K] } = {
    userCount: spec.users,
    itemCount: spec.items,
    topicCount: T,
    itemTopics: world.itemTopics.subarray(0, spec.items * T),
    itemExtremeness: world.itemExtremeness.subarray(0, spec.items),
    userHistoryTopics: world.historyTopics,
  };
  const log = new ImpressionLog(spec.users * spec.slateSize * spec.rounds, features);
  const policy = new RandomPolicy();
  const random = new Random(spec.seed, STREAM.policy);
  const itemIds = Int32Array.from({ length: world.capacity }, (_, i) => i);
  const slate = new Int32Array(spec.slateSize);
  const utilities = new Float64Array(spec.slateSize);
  for (let round = 0; round < spec.rounds; round++) {
    const A = world.availableItems(round);
    features.itemCount = A;
    features.itemTopics = world.itemTopics.subarray(0, A * T);
    features.itemExtremeness = world.itemExtremeness.subarray(0, A);
    const context: PolicyContext = { spec, world, round, available: A, itemIds, log, random };
    for (let user = 0; user < spec.users; user++) {
      const length = policy.recommend(user, context, slate);
      const chosen = world.choose(user, slate, length, utilities);
      for (let r = 0; r < length; r++) log.append(user, slate[r]!, r, round, r === chosen);
      if (chosen >= 0) world.consume(user, slate[chosen]!);
    }
  }
  return { log, world };
}

/** The first `length` rows of a log, with the features cut to `items` items (a copy). */
function logPrefix(log: InteractionLog, length: number, items: number): ImpressionLog {
  const T = log.features.topicCount;
  const prefix = new ImpressionLog(length, {
    ...log.features,
    itemCount: items,
    itemTopics: log.features.itemTopics.subarray(0, items * T),
    itemExtremeness: log.features.itemExtremeness.subarray(0, items),
  });
  for (let row = 0; row < length; row++) prefix.append(log.users[row]!, log.items[row]!, log.positions[row]!, log.rounds[row]!, log.clicked[row] === 1);
  return prefix;
}

/** Explicit ALS on impressions: rating 1 for a click, 0 for shown and not clicked. */
function impressionMatrix(log: InteractionLog, users: number, items: number): RatingMatrix {
  const entries: Entry[] = [];
  for (let row = 0; row < log.length; row++) entries.push({ user: log.users[row]!, item: log.items[row]!, value: log.clicked[row]! });
  // a pair shown twice keeps the sum; ratings here are 0/1 and pairs repeat only after a non-click
  return RatingMatrix.fromEntries(users, items, entries);
}

const seconds = (from: number): number => (performance.now() - from) / 1000;

/** Runs both comparisons. */
export async function compareRecommenders(options: RecommenderComparisonOptions = {}): Promise<RecommenderComparison> {
  const log = options.log ?? (() => undefined);
  const spec = validateSimulationSpec({ ...DEFAULT_SIMULATION, ...options.spec, policies: [{ kind: 'random' }] });
  const k = options.k ?? 10;
  const heldOutRounds = options.heldOutRounds ?? Math.max(1, Math.floor(spec.rounds / 4));
  const trainRounds = spec.rounds - heldOutRounds;
  if (trainRounds < 1) throw new RangeError(`heldOutRounds (${heldOutRounds}) must leave at least one training round of ${spec.rounds}`);

  const { log: full, world } = randomLog(spec);
  let trainLength = 0;
  while (trainLength < full.length && full.rounds[trainLength]! < trainRounds) trainLength++;
  const A = world.availableItems(trainRounds - 1);
  const U = spec.users;
  const train = logPrefix(full, trainLength, A);
  const trainClicked = Array.from({ length: U }, () => new Set<number>());
  let trainClicks = 0;
  for (let row = 0; row < trainLength; row++) {
    if (train.clicked[row] === 1) {
      trainClicked[train.users[row]!]!.add(train.items[row]!);
      trainClicks++;
    }
  }
  const heldOut = Array.from({ length: U }, () => new Set<number>());
  for (let row = trainLength; row < full.length; row++) {
    if (full.clicked[row] === 1 && full.items[row]! < A) heldOut[full.users[row]!]!.add(full.items[row]!);
  }
  log(`random log: ${full.length} impressions; training on rounds 0-${trainRounds - 1} (${trainLength} impressions, ${trainClicks} clicks, ${A} items), held out: clicks of the last ${heldOutRounds} rounds`);

  const itemIds = Int32Array.from({ length: A }, (_, i) => i);
  const ranking: RankingRow[] = [];
  const measure = (model: string, fitSeconds: number, score: (user: number, out: Float64Array) => void): void => {
    const m = evaluateRanking(score, A, trainClicked, heldOut, k);
    ranking.push({ model, ...m, fitSeconds });
    log(`${model}: NDCG@${k} ${m.ndcg.toFixed(4)}, precision@${k} ${m.precision.toFixed(4)}, recall@${k} ${m.recall.toFixed(4)} (${m.users} users, fit ${fitSeconds.toFixed(1)} s)`);
  };

  // The floor and the ceiling: a random ranking, and the true utilities (at the end of the log).
  const randomScores = new Random(spec.seed, STREAM.metrics);
  measure('random ranking', 0, (_user, out) => {
    for (let i = 0; i < A; i++) out[i] = randomScores.next();
  });
  const utilities = new Float32Array(A);
  measure('oracle (true utility)', 0, (user, out) => {
    world.utilities(user, A, utilities);
    for (let i = 0; i < A; i++) out[i] = utilities[i]!;
  });

  const clicks = clickMatrix(train, U, A);
  let started = performance.now();
  const popularity = new Float64Array(A);
  for (let i = 0; i < A; i++) for (let e = clicks.colStart[i]!; e < clicks.colStart[i + 1]!; e++) popularity[i]! += clicks.colValues[e]!;
  measure('popularity', seconds(started), (_user, out) => out.set(popularity));

  const cfLabels: Record<CollaborativeKind, string> = { 'user-knn': 'user-user CF', 'item-knn': 'item-item CF', als: 'ALS implicit' };
  for (const kind of ['user-knn', 'item-knn', 'als'] as const) {
    started = performance.now();
    const model = fitCollaborative(kind, clicks, spec.seed);
    measure(cfLabels[kind], seconds(started), (user, out) => model.scoreItems(user, itemIds, out));
  }

  started = performance.now();
  const explicit = AlsModel.fit(impressionMatrix(train, U, A), {
    factors: CF_POLICY_SETTINGS.alsFactors, regularization: CF_POLICY_SETTINGS.alsRegularization, iterations: CF_POLICY_SETTINGS.alsIterations,
    feedback: 'explicit', seed: spec.seed,
  });
  measure('ALS explicit (impressions)', seconds(started), (user, out) => explicit.scoreItems(user, itemIds, out));

  const clickModel = async (name: string, trainer: ClickModelTrainer): Promise<void> => {
    started = performance.now();
    const scorer = await trainer.fit(train, trainRounds);
    const fitTime = seconds(started);
    const buffer = new Float32Array(A);
    measure(name, fitTime, (user, out) => {
      scorer.score(user, itemIds, buffer);
      for (let i = 0; i < A; i++) out[i] = buffer[i]!;
    });
  };
  await clickModel('MF by SGD (logistic)', new MatrixFactorizationTrainer({ seed: spec.seed }));
  if (options.dlrmTrainer) await clickModel('DLRM', options.dlrmTrainer());

  const loop: LoopRow[] = [];
  if (options.closedLoop ?? true) {
    const policies: PolicySpec[] = [
      { kind: 'random' }, { kind: 'popularity' }, { kind: 'user-knn' }, { kind: 'item-knn' }, { kind: 'als' }, { kind: 'greedy-mf' },
      ...(options.dlrmTrainer ? [{ kind: 'greedy-dlrm' } as PolicySpec] : []),
    ];
    log(`closed loop: ${policies.map((p) => p.kind).join(', ')} for ${spec.rounds} rounds`);
    const dlrm = options.dlrmTrainer;
    const result = await runSimulation({ ...spec, policies }, {
      ...(dlrm ? { dlrmTrainer: () => dlrm() } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const last = Math.max(1, Math.floor(spec.rounds / 4));
    for (const [policy, series] of Object.entries(result.metrics)) {
      const row: LoopRow = {
        policy,
        clickRate: meanOverLastRounds(series, 'clickRate', last),
        intraListDiversity: meanOverLastRounds(series, 'intraListDiversity', last),
        coverage: meanOverLastRounds(series, 'coverage', last),
        extremeShare: meanOverLastRounds(series, 'extremeShare', last),
      };
      loop.push(row);
      log(`${policy}: click rate ${row.clickRate.toFixed(3)}, diversity ${row.intraListDiversity.toFixed(3)}, coverage ${row.coverage.toFixed(3)}, extreme share ${row.extremeShare.toFixed(3)}`);
    }
  }
  return { spec, k, trainRounds, heldOutRounds, trainImpressions: trainLength, trainClicks, ranking, loop };
}

/** Markdown tables of a comparison. */
export function recommenderComparisonTables(result: RecommenderComparison): string {
  const k = result.k;
  const lines = [
    `| model | NDCG@${k} | precision@${k} | recall@${k} | users | fit s |`,
    '|---|---|---|---|---|---|',
    ...result.ranking.map((r) => `| ${r.model} | ${r.ndcg.toFixed(4)} | ${r.precision.toFixed(4)} | ${r.recall.toFixed(4)} | ${r.users} | ${r.fitSeconds.toFixed(2)} |`),
  ];
  if (result.loop.length > 0) {
    lines.push('', '| policy (closed loop) | click rate | intra-list diversity | coverage | extreme share |', '|---|---|---|---|---|');
    for (const r of result.loop) lines.push(`| ${r.policy} | ${r.clickRate.toFixed(3)} | ${r.intraListDiversity.toFixed(3)} | ${r.coverage.toFixed(3)} | ${r.extremeShare.toFixed(3)} |`);
  }
  return lines.join('\n');
}
