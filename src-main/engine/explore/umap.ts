/**
 * UMAP (McInnes, Healy & Melville 2018) in plain typed-array maths, 2-D or 3-D, seeded, with live
 * updates and cancellation. Follows umap-learn's defaults: fuzzy simplicial set from the exact
 * k nearest neighbours (the point itself counted), union symmetrisation, curve parameters a, b fitted
 * to min_dist and spread, SGD with negative sampling (5 per positive), learning rate 1 decaying
 * linearly, gradient clipping at 4. Initialisation: PCA scaled to [-10, 10] plus a little seeded
 * noise (umap-learn's default is spectral; PCA keeps global layout at a fraction of the cost).
 *
 * Why our own: the `umap-js` package (PAIR-code) was tried with this same exact k-NN graph. It built
 * the identical fuzzy graph (same edge count and weights) and reached the same layout quality, but
 * its string-keyed sparse matrices made graph construction ~7x slower, its layout loop was no faster,
 * and it works on number[][]; this file drops that dependency.
 */
import { knnGraph } from './neighbors';
import { pca } from './pca';
import { SeededRandom } from './random';

export interface UmapOptions {
  /** Output dimensions. Default 2. */
  dims?: 2 | 3;
  /** Neighbours of each point in the fuzzy graph, counting the point itself as umap-learn does. Default 15. */
  neighbors?: number;
  /** Minimum distance between embedded points. Default 0.1. */
  minDist?: number;
  /** Scale of embedded distances. Default 1. */
  spread?: number;
  /** Optimisation epochs; default umap-learn's (500 up to 10,000 points, else 200). */
  epochs?: number;
  /** Seed of the initial noise and the negative sampling. Default 0. */
  seed?: number;
  /** Call onEpoch (and yield to the event loop) every this many epochs. Default 10. */
  reportEvery?: number;
  /** Live updates: the epoch just done, a copy of the coordinates [N, dims] and the epochs in all. */
  onEpoch?: (epoch: number, coords: Float32Array, totalEpochs: number) => void;
  /** Aborting rejects the returned promise with the signal's reason at the next report point. */
  signal?: AbortSignal;
}

export interface UmapResult {
  /** Row-major [N, dims]. */
  coords: Float32Array;
  neighbors: number;
  epochs: number;
  /** Milliseconds spent on the k-NN graph, the fuzzy graph and the initialisation before the epochs. */
  setupMillis: number;
}

/** The fuzzy graph as a symmetric edge list (each unordered edge once per direction). */
export interface FuzzyGraph {
  heads: Int32Array;
  tails: Int32Array;
  weights: Float64Array;
}

/**
 * Fuzzy simplicial set of the k-NN graph: per point, rho = distance to the nearest neighbour and
 * sigma found by bisection so that sum_j exp(-(d_ij - rho) / sigma) = log2(k); membership
 * w_ij = exp(-max(0, d_ij - rho) / sigma); then the fuzzy union w + w^T - w * w^T.
 * @param points row-major [N, D]. @param neighbors k, counting the point itself.
 */
export function fuzzyGraph(points: Float32Array, numPoints: number, dim: number, neighbors: number): FuzzyGraph {
  const others = neighbors - 1;
  const graph = knnGraph(points, numPoints, dim, others);
  const target = Math.log2(neighbors);
  let meanDistance = 0;
  for (let t = 0; t < graph.distances.length; t++) meanDistance += graph.distances[t];
  meanDistance /= Math.max(graph.distances.length, 1);
  const directed = new Map<number, number>(); // key i * N + j -> membership of j in i's neighbourhood
  for (let i = 0; i < numPoints; i++) {
    const base = i * others;
    let rho = 0;
    for (let s = 0; s < others; s++) {
      if (graph.distances[base + s] > 0) {
        rho = graph.distances[base + s];
        break;
      }
    }
    let low = 0;
    let high = Infinity;
    let sigma = 1;
    for (let attempt = 0; attempt < 64; attempt++) {
      let sum = 0;
      for (let s = 0; s < others; s++) {
        const d = graph.distances[base + s] - rho;
        sum += d > 0 ? Math.exp(-d / sigma) : 1;
      }
      if (Math.abs(sum - target) < 1e-5) break;
      if (sum > target) {
        high = sigma;
        sigma = (low + high) / 2;
      } else {
        low = sigma;
        sigma = high === Infinity ? sigma * 2 : (low + high) / 2;
      }
    }
    sigma = Math.max(sigma, 1e-3 * meanDistance);
    for (let s = 0; s < others; s++) {
      const j = graph.indices[base + s];
      const d = graph.distances[base + s] - rho;
      directed.set(i * numPoints + j, d > 0 ? Math.exp(-d / sigma) : 1);
    }
  }
  const heads: number[] = [];
  const tails: number[] = [];
  const weights: number[] = [];
  for (const [key, w] of directed) {
    const i = Math.floor(key / numPoints);
    const j = key - i * numPoints;
    const back = directed.get(j * numPoints + i);
    if (back !== undefined && j < i) continue; // the pair was emitted from (j, i)
    const union = back === undefined ? w : w + back - w * back;
    heads.push(i, j);
    tails.push(j, i);
    weights.push(union, union);
  }
  return { heads: Int32Array.from(heads), tails: Int32Array.from(tails), weights: Float64Array.from(weights) };
}

/**
 * a and b of the embedding kernel 1 / (1 + a d^(2b)), fitted by least squares (Gauss-Newton) to
 * 1 for d < minDist and exp(-(d - minDist) / spread) beyond, on 300 points of [0, 3 spread].
 * (minDist 0.1, spread 1 give a = 1.577, b = 0.895, as umap-learn.)
 */
export function fitCurve(minDist: number, spread: number): { a: number; b: number } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let t = 0; t < 300; t++) {
    const x = (3 * spread * t) / 299;
    xs.push(x);
    ys.push(x < minDist ? 1 : Math.exp(-(x - minDist) / spread));
  }
  let a = 1;
  let b = 1;
  for (let iteration = 0; iteration < 200; iteration++) {
    // Normal equations of the linearised residuals r = f(x) - y, J = [df/da, df/db].
    let jaa = 0;
    let jab = 0;
    let jbb = 0;
    let ga = 0;
    let gb = 0;
    for (let t = 0; t < xs.length; t++) {
      const x = xs[t];
      if (x === 0) continue;
      const power = Math.pow(x, 2 * b);
      const denominator = 1 + a * power;
      const f = 1 / denominator;
      const r = f - ys[t];
      const dfa = -power / (denominator * denominator);
      const dfb = (-a * power * 2 * Math.log(x)) / (denominator * denominator);
      jaa += dfa * dfa;
      jab += dfa * dfb;
      jbb += dfb * dfb;
      ga += dfa * r;
      gb += dfb * r;
    }
    const damping = 1e-9 * (jaa + jbb);
    const det = (jaa + damping) * (jbb + damping) - jab * jab;
    const da = ((jbb + damping) * ga - jab * gb) / det;
    const db = ((jaa + damping) * gb - jab * ga) / det;
    a = Math.max(a - da, 1e-3);
    b = Math.max(b - db, 1e-3);
    if (Math.abs(da) < 1e-10 && Math.abs(db) < 1e-10) break;
  }
  return { a, b };
}

// x^b for the layout kernel without Math.pow, which is most of the cost of an epoch (V8's pow of a
// non-integer exponent takes ~100 ns). x^b = 2^(b log2 x), each part from the float's exponent bits and
// a short polynomial for the mantissa: relative error below 1e-6, far under what SGD notices.
const powScratch = new Float64Array(1);
const powBits = new Uint32Array(powScratch.buffer);
const highWord = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // little-endian: high word second

/** x^exponent for finite x > 0 (normal floats), accurate to ~1e-6 relative. */
export function fastPow(x: number, exponent: number): number {
  // log2 x = e + log2 m with m in [1, 2): log2 m = (2 / ln 2) atanh t, t = (m - 1) / (m + 1) <= 1/3.
  powScratch[0] = x;
  const high = powBits[highWord];
  const e = ((high >>> 20) & 0x7ff) - 1023;
  powBits[highWord] = (high & 0x000fffff) | 0x3ff00000;
  const m = powScratch[0];
  const t = (m - 1) / (m + 1);
  const t2 = t * t;
  const log2x = e + 2.885390081777927 * t * (1 + t2 * (1 / 3 + t2 * (1 / 5 + t2 * (1 / 7 + t2 * (1 / 9 + t2 / 11)))));
  // 2^v = 2^w * sqrt(2) * e^(g), w = floor(v), g = (v - w - 1/2) ln 2 in [-0.35, 0.35].
  const v = exponent * log2x;
  const w = Math.floor(v);
  if (w < -1020 || w > 1020) return Math.pow(x, exponent);
  const g = (v - w - 0.5) * Math.LN2;
  const mantissa = 1 + g * (1 + g * (1 / 2 + g * (1 / 6 + g * (1 / 24 + g * (1 / 120 + g * (1 / 720 + g / 5040))))));
  powBits[1 - highWord] = 0;
  powBits[highWord] = (w + 1023) << 20;
  return powScratch[0] * Math.SQRT2 * mantissa;
}

/** When each edge of the fuzzy graph is next sampled, as a positive and for negatives. */
interface EdgeSchedule {
  heads: Int32Array;
  tails: Int32Array;
  epochsPerSample: Float64Array;
  epochsPerNegative: Float64Array;
  nextSample: Float64Array;
  nextNegative: Float64Array;
}

/**
 * One epoch of SGD over the edges due: attraction along the edge (both ends move), then repulsion
 * from randomly drawn points (only the head moves). Written out for 2-D / 3-D: the hot loop.
 * @param y [N, 2] or [N, 3], updated in place.
 */
function layoutEpoch(y: Float64Array, three: boolean, epoch: number, alpha: number, a: number, b: number, schedule: EdgeSchedule, random: SeededRandom): void {
  const dims = three ? 3 : 2;
  const numPoints = y.length / dims;
  const { heads, tails, epochsPerSample, epochsPerNegative, nextSample, nextNegative } = schedule;
  for (let e = 0; e < heads.length; e++) {
    if (nextSample[e] > epoch) continue;
    const io = heads[e] * dims;
    const jo = tails[e] * dims;
    const dx = y[io] - y[jo];
    const dy = y[io + 1] - y[jo + 1];
    const dz = three ? y[io + 2] - y[jo + 2] : 0;
    const distanceSquared = dx * dx + dy * dy + dz * dz;
    if (distanceSquared > 0) {
      const powered = fastPow(distanceSquared, b);
      const coefficient = (-2 * a * b * powered) / distanceSquared / (a * powered + 1);
      const sx = clip(coefficient * dx) * alpha;
      const sy = clip(coefficient * dy) * alpha;
      y[io] += sx;
      y[jo] -= sx;
      y[io + 1] += sy;
      y[jo + 1] -= sy;
      if (three) {
        const sz = clip(coefficient * dz) * alpha;
        y[io + 2] += sz;
        y[jo + 2] -= sz;
      }
    }
    nextSample[e] += epochsPerSample[e];
    const negatives = Math.floor((epoch - nextNegative[e]) / epochsPerNegative[e]);
    for (let s = 0; s < negatives; s++) {
      const ko = random.nextInt(numPoints) * dims;
      if (ko === io) continue;
      const kx = y[io] - y[ko];
      const ky = y[io + 1] - y[ko + 1];
      const kz = three ? y[io + 2] - y[ko + 2] : 0;
      const kDistanceSquared = kx * kx + ky * ky + kz * kz;
      if (kDistanceSquared <= 0) continue;
      const coefficient = (2 * b) / ((0.001 + kDistanceSquared) * (a * fastPow(kDistanceSquared, b) + 1));
      y[io] += clip(coefficient * kx) * alpha;
      y[io + 1] += clip(coefficient * ky) * alpha;
      if (three) y[io + 2] += clip(coefficient * kz) * alpha;
    }
    if (negatives > 0) nextNegative[e] += negatives * epochsPerNegative[e];
  }
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
const clip = (x: number): number => (x > 4 ? 4 : x < -4 ? -4 : x);

/**
 * Embeds N points of dimension D with UMAP.
 * @param points row-major [N, D].
 */
export async function umap(points: Float32Array, numPoints: number, dim: number, options: UmapOptions = {}): Promise<UmapResult> {
  if (points.length !== numPoints * dim) throw new Error(`expected ${numPoints}x${dim} values, got ${points.length}`);
  const dims = options.dims ?? 2;
  const neighbors = Math.min(options.neighbors ?? 15, numPoints - 1);
  if (neighbors < 2) throw new Error(`UMAP needs at least 3 points, got ${numPoints}`);
  const epochs = options.epochs ?? (numPoints <= 10_000 ? 500 : 200);
  const reportEvery = Math.max(1, Math.floor(options.reportEvery ?? 10));
  const signal = options.signal;
  const random = new SeededRandom(options.seed ?? 0);
  signal?.throwIfAborted();
  const started = performance.now();

  const graph = fuzzyGraph(points, numPoints, dim, neighbors);
  const { a, b } = fitCurve(options.minDist ?? 0.1, options.spread ?? 1);

  // Initial layout: PCA scaled to [-10, 10], plus noise so that coinciding points separate.
  const y = new Float64Array(numPoints * dims);
  const initial = pca(points, numPoints, dim, { dims }).coords;
  let largest = 0;
  for (let t = 0; t < initial.length; t++) largest = Math.max(largest, Math.abs(initial[t]));
  const scale = largest > 0 ? 10 / largest : 0;
  for (let t = 0; t < y.length; t++) y[t] = initial[t] * scale + (random.next() - 0.5) * 1e-2;

  // Edge sampling schedule: an edge of weight w is sampled every max_w / w epochs; weights below
  // max_w / epochs would never be sampled and are dropped.
  let maxWeight = 0;
  for (let e = 0; e < graph.weights.length; e++) maxWeight = Math.max(maxWeight, graph.weights[e]);
  const kept: number[] = [];
  for (let e = 0; e < graph.weights.length; e++) if (graph.weights[e] >= maxWeight / epochs) kept.push(e);
  const heads = Int32Array.from(kept, (e) => graph.heads[e]);
  const tails = Int32Array.from(kept, (e) => graph.tails[e]);
  const epochsPerSample = Float64Array.from(kept, (e) => maxWeight / graph.weights[e]);
  const negativeRate = 5;
  const epochsPerNegative = epochsPerSample.map((x) => x / negativeRate);
  const schedule: EdgeSchedule = {
    heads,
    tails,
    epochsPerSample,
    epochsPerNegative,
    nextSample: epochsPerSample.slice(),
    nextNegative: epochsPerNegative.slice(),
  };
  const setupMillis = performance.now() - started;
  signal?.throwIfAborted();

  for (let epoch = 0; epoch < epochs; epoch++) {
    const alpha = 1 - epoch / epochs;
    layoutEpoch(y, dims === 3, epoch, alpha, a, b, schedule, random);
    const done = epoch + 1;
    if (done % reportEvery === 0 || done === epochs) {
      options.onEpoch?.(done, Float32Array.from(y), epochs);
      if (done < epochs) {
        await nextTurn();
        signal?.throwIfAborted();
      }
    }
  }
  return { coords: Float32Array.from(y), neighbors, epochs, setupMillis };
}
