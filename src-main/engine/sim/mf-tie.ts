/**
 * The tie between matrix factorisation by ALS and a two-field DLRM, measured on one users x items
 * impression log.
 *
 * Both models see the same impressions: explicit ALS (engine/cf/als.ts) fits r_ui = 1 for a click and
 * 0 for shown-and-not-clicked by least squares; the two-field DLRM (model kind 'mf',
 * engine/model/mf.ts: logit = <u, i> + b_u + b_i + b, trained by the app's trainer with log loss)
 * fits the same cells by logistic regression on its embeddings. With no MLPs and only a user and an
 * item table, a DLRM's score is a dot product of two embedding rows: the same model class as ALS, so
 * on a log with low-rank structure the two score matrices should agree up to a monotone map (the
 * logit against a probability), which the Pearson correlation over all U x N cells measures.
 * Held-out NDCG@k (engine/cf/ranking.ts) says whether both rank the held-out clicks alike.
 *
 * The DLRM is injected (engine/train/two-field-dlrm.ts fits it; the worker wires the two), so this
 * file stays free of tfjs like the rest of engine/sim.
 *
 * Shape letters: U users, N items, L impressions, D factors.
 */
import { MF_TIE_MAX_CELLS, type MfTiePoint, type MfTieResult, type SimulationSpec } from '../../domain';
import { AlsModel, evaluateRanking, RatingMatrix, type Entry } from '../cf';
import { Rng } from '../random/rng';
import { randomLog } from './recommender-comparison';
import { DEFAULT_SIMULATION, validateSimulationSpec } from './spec';

/** One users x items impression log: L rows of (user, item, clicked). */
export interface TwoFieldLog {
  /** [L] */
  users: Int32Array;
  /** [L] */
  items: Int32Array;
  /** [L] 1 clicked, 0 not. */
  clicked: Uint8Array;
  /** U and N. */
  userCount: number;
  itemCount: number;
}

export interface MfTieOptions {
  /** D of both models. Default 8. */
  factors?: number;
  /** ALS lambda (default 1) and alternations (default 10). */
  alsRegularization?: number;
  alsIterations?: number;
  /** DLRM passes over the log (default 20), batch size (default 128), learning rate (default 0.1; 0.05 for 8 passes left it at correlation 0.39 on the planted test log, 0.3 overfits). */
  dlrmEpochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** Seed of both models' initial weights, the shuffle and the scatter sample. Default 1. */
  seed?: number;
  /** Cut-off of NDCG. Default 10. */
  k?: number;
  /** Cells in the scatter sample. Default 1,500. */
  scatterPoints?: number;
}

/** Pearson correlation of two equally long arrays (0 when either is constant). */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let meanA = 0;
  let meanB = 0;
  for (let i = 0; i < n; i++) {
    meanA += a[i]!;
    meanB += b[i]!;
  }
  meanA /= n;
  meanB /= n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]! - meanA;
    const y = b[i]! - meanB;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/** Fits the two-field DLRM on a log and returns its tables on the host. */
export type TwoFieldDlrmFit = (log: TwoFieldLog, options: MfTieOptions) => TwoFieldEmbeddings;

/** The fitted two-field DLRM's numbers, read off its tables on the host. */
export interface TwoFieldEmbeddings {
  /** [U, D] user factors (the table's columns 1..D). */
  user: Float64Array;
  /** [N, D] item factors. */
  item: Float64Array;
  /** [U], [N] the bias columns, and the global bias. */
  userBias: Float64Array;
  itemBias: Float64Array;
  bias: number;
  D: number;
}

/** <u, i> of the DLRM's factors. */
export function dotOf(e: TwoFieldEmbeddings, user: number, item: number): number {
  let dot = 0;
  for (let d = 0; d < e.D; d++) dot += e.user[user * e.D + d]! * e.item[item * e.D + d]!;
  return dot;
}

/** The DLRM's logit computed from its host tables. */
export function twoFieldLogit(e: TwoFieldEmbeddings, user: number, item: number): number {
  return dotOf(e, user, item) + e.userBias[user]! + e.itemBias[item]! + e.bias;
}

const seconds = (from: number): number => (performance.now() - from) / 1000;

/**
 * Fits both models on `train` and compares them.
 * @param heldOut per user, the held-out clicked items (NDCG@k; the items clicked in training are not ranked)
 */
export function compareAlsWithTwoFieldDlrm(train: TwoFieldLog, heldOut: readonly ReadonlySet<number>[], fitDlrm: TwoFieldDlrmFit, options: MfTieOptions = {}): Omit<MfTieResult, 'seed' | 'source'> {
  const U = train.userCount;
  const N = train.itemCount;
  const D = options.factors ?? 8;
  const seed = options.seed ?? 1;
  const k = options.k ?? 10;
  const L = train.users.length;
  const entries: Entry[] = [];
  const trainClicked = Array.from({ length: U }, () => new Set<number>());
  let clicks = 0;
  for (let row = 0; row < L; row++) {
    // a pair shown twice keeps the sum, as in the recommender comparison
    entries.push({ user: train.users[row]!, item: train.items[row]!, value: train.clicked[row]! });
    if (train.clicked[row] === 1) {
      trainClicked[train.users[row]!]!.add(train.items[row]!);
      clicks++;
    }
  }
  let started = performance.now();
  const als = AlsModel.fit(RatingMatrix.fromEntries(U, N, entries), {
    factors: D, regularization: options.alsRegularization ?? 1, iterations: options.alsIterations ?? 10, feedback: 'explicit', seed,
  });
  const alsFitSeconds = seconds(started);
  started = performance.now();
  const embeddings = fitDlrm(train, options);
  const dlrmFitSeconds = seconds(started);

  const alsScores = new Float64Array(U * N);
  const dots = new Float64Array(U * N);
  const logits = new Float64Array(U * N);
  for (let u = 0; u < U; u++) {
    for (let i = 0; i < N; i++) {
      alsScores[u * N + i] = als.predict(u, i);
      dots[u * N + i] = dotOf(embeddings, u, i);
      logits[u * N + i] = twoFieldLogit(embeddings, u, i);
    }
  }
  const rankBy = (scores: Float64Array) => (user: number, out: Float64Array): void => out.set(scores.subarray(user * N, (user + 1) * N));
  const alsRanking = evaluateRanking(rankBy(alsScores), N, trainClicked, heldOut, k);
  const dlrmRanking = evaluateRanking(rankBy(logits), N, trainClicked, heldOut, k);
  const rng = new Rng(seed + 7919);
  const randomRanking = evaluateRanking((_user, out) => {
    for (let i = 0; i < N; i++) out[i] = rng.uniform();
  }, N, trainClicked, heldOut, k);

  const sampleSize = Math.min(options.scatterPoints ?? 1500, U * N);
  const scatter: MfTiePoint[] = [];
  for (let s = 0; s < sampleSize; s++) {
    const cell = sampleSize === U * N ? s : rng.int(U * N);
    scatter.push({ user: Math.floor(cell / N), item: cell % N, als: alsScores[cell]!, dot: dots[cell]!, logit: logits[cell]! });
  }
  return {
    users: U,
    items: N,
    impressions: L,
    clicks,
    factors: D,
    correlationDot: pearson(alsScores, dots),
    correlationLogit: pearson(alsScores, logits),
    k,
    ndcg: { als: alsRanking.ndcg, dlrm: dlrmRanking.ndcg, random: randomRanking.ndcg },
    heldOutUsers: alsRanking.users,
    alsFitSeconds,
    dlrmFitSeconds,
    scatter,
  };
}

/** The simulator's world for the tie: small enough for a few seconds in the worker. */
export const MF_TIE_WORLD: Readonly<Partial<SimulationSpec>> = Object.freeze({ users: 200, items: 150, topics: 6, rounds: 24, newItemsPerRound: 0, slateSize: 10 });

/**
 * The tie on the simulator's log: the world runs with random slates (an unbiased log); the
 * impressions of the first three quarters of the rounds train both models, the clicks of the last
 * quarter are held out.
 */
export function mfTieOnSimulation(fitDlrm: TwoFieldDlrmFit, spec: Partial<SimulationSpec> = {}, options: MfTieOptions = {}): MfTieResult {
  const world = validateSimulationSpec({ ...DEFAULT_SIMULATION, ...MF_TIE_WORLD, ...spec, policies: [{ kind: 'random' }] });
  const { log } = randomLog(world);
  const heldOutRounds = Math.max(1, Math.floor(world.rounds / 4));
  const trainRounds = world.rounds - heldOutRounds;
  let trainLength = 0;
  while (trainLength < log.length && log.rounds[trainLength]! < trainRounds) trainLength++;
  const N = world.items;
  const heldOut = Array.from({ length: world.users }, () => new Set<number>());
  for (let row = trainLength; row < log.length; row++) if (log.clicked[row] === 1) heldOut[log.users[row]!]!.add(log.items[row]!);
  const train: TwoFieldLog = {
    users: log.users.slice(0, trainLength),
    items: log.items.slice(0, trainLength),
    clicked: Uint8Array.from(log.clicked.subarray(0, trainLength)),
    userCount: world.users,
    itemCount: N,
  };
  return { seed: world.seed, source: 'simulation', ...compareAlsWithTwoFieldDlrm(train, heldOut, fitDlrm, { seed: world.seed, ...options }) };
}

/** Rows of two categorical fields (table rows) and the labels, as engine/data/field-pair.ts reads them. */
export interface FieldPairLog {
  users: Int32Array;
  items: Int32Array;
  clicked: Uint8Array;
}

/**
 * The tie on a pair of fields of a run's data: the values seen in training are the users and the
 * items (renumbered); the training rows train both models; the test rows' clicks on known pairs are
 * held out (NDCG@k ranks, per user, the items the user did not click in training).
 * @throws RangeError when U x N is over MF_TIE_MAX_CELLS (the score matrices are dense), naming the fields
 */
export function mfTieOnFieldPair(train: FieldPairLog, test: FieldPairLog, userField: number, itemField: number, fitDlrm: TwoFieldDlrmFit, options: MfTieOptions = {}): MfTieResult {
  const source = `C${userField + 1} x C${itemField + 1}`;
  const userIndex = new Map<number, number>();
  const itemIndex = new Map<number, number>();
  for (let row = 0; row < train.users.length; row++) {
    if (!userIndex.has(train.users[row]!)) userIndex.set(train.users[row]!, userIndex.size);
    if (!itemIndex.has(train.items[row]!)) itemIndex.set(train.items[row]!, itemIndex.size);
  }
  const U = userIndex.size;
  const N = itemIndex.size;
  if (U === 0) throw new RangeError(`${source}: the training split has no rows with both fields`);
  if (U * N > MF_TIE_MAX_CELLS) {
    throw new RangeError(`${source}: ${U} users x ${N} items = ${U * N} cells, over the ${MF_TIE_MAX_CELLS} the dense score matrices allow; pick fields with fewer values (or a smaller hash size)`);
  }
  const log: TwoFieldLog = {
    users: Int32Array.from(train.users, (value) => userIndex.get(value)!),
    items: Int32Array.from(train.items, (value) => itemIndex.get(value)!),
    clicked: train.clicked,
    userCount: U,
    itemCount: N,
  };
  const heldOut = Array.from({ length: U }, () => new Set<number>());
  for (let row = 0; row < test.users.length; row++) {
    const user = userIndex.get(test.users[row]!);
    const item = itemIndex.get(test.items[row]!);
    if (test.clicked[row] === 1 && user !== undefined && item !== undefined) heldOut[user]!.add(item);
  }
  const seed = options.seed ?? 1;
  return { seed, source, ...compareAlsWithTwoFieldDlrm(log, heldOut, fitDlrm, { ...options, seed }) };
}
