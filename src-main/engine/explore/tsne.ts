/**
 * Over 400 lines: one algorithm: affinities, the Barnes-Hut tree, the gradient and the optimisation loop.
 * Barnes-Hut t-SNE (van der Maaten 2014) in plain typed-array maths, 2-D or 3-D, seeded, with live
 * updates and cancellation.
 *
 * Why our own: the t-SNE packages that install cleanly here (e.g. @keckelt/tsne, a port of tsnejs)
 * are exact O(N^2) in time and memory (three N x N float64 matrices: ~10 GB at 20,000 points) and
 * draw from Math.random, so they can neither reach the projector's point counts nor be seeded.
 *
 * Input affinities use the 3*perplexity exact nearest neighbours of each point (sparse P); the
 * repulsive forces are approximated with a quadtree (2-D) / octree (3-D) and the opening angle theta.
 */
import { knnGraph } from './neighbors';
import { pca } from './pca';
import { SeededRandom } from './random';

export interface TsneOptions {
  /** Output dimensions. Default 2. */
  dims?: 2 | 3;
  /** Perplexity; default {@link defaultPerplexity}(N). Capped at (N - 1) / 3. */
  perplexity?: number;
  /** Learning rate; default max(N / earlyExaggeration / 4, 50) (the "auto" rate of openTSNE/sklearn). */
  learningRate?: number;
  /** Gradient-descent iterations. Default 1000. */
  iterations?: number;
  /** Seed of the initialisation (only used with init 'random'; PCA init is deterministic). Default 0. */
  seed?: number;
  /** 'pca' (default: first principal components scaled to std 1e-4) or 'random' (N(0, 1e-4^2)). */
  init?: 'pca' | 'random';
  /** Barnes-Hut opening angle; 0 would be exact. Default 0.5. */
  theta?: number;
  /** Early exaggeration factor and how many iterations it lasts. Defaults 12 and 250. */
  earlyExaggeration?: number;
  exaggerationIterations?: number;
  /** Call onIteration (and yield to the event loop) every this many iterations. Default 10. */
  reportEvery?: number;
  /** Live updates: the iteration just done and a copy of the coordinates [N, dims]. */
  onIteration?: (iteration: number, coords: Float32Array) => void;
  /** Aborting rejects the returned promise with the signal's reason at the next report point. */
  signal?: AbortSignal;
}

export interface TsneResult {
  /** Row-major [N, dims]. */
  coords: Float32Array;
  /** Perplexity and learning rate actually used. */
  perplexity: number;
  learningRate: number;
  iterations: number;
  /** Milliseconds spent on the input affinities (k-NN graph + bandwidth search) before iterating. */
  setupMillis: number;
}

/** TensorBoard's automatic perplexity max(5, ceil(sqrt(N) / 4)), capped at the usual default 30. */
export function defaultPerplexity(numPoints: number): number {
  return Math.min(30, Math.max(5, Math.ceil(Math.sqrt(numPoints) / 4)));
}

/** Sparse symmetric input affinities P (CSR), summing to 1 over all entries. */
export interface SparseAffinities {
  /** [N + 1]. */
  rowStart: Int32Array;
  /** [nnz]. */
  columns: Int32Array;
  /** [nnz]. */
  values: Float64Array;
}

/**
 * Conditional Gaussian affinities over each point's k nearest neighbours with the bandwidth found by
 * bisection to match the perplexity, then symmetrised P = (P_cond + P_cond^T) / (2N).
 */
export function inputAffinities(points: Float32Array, numPoints: number, dim: number, perplexity: number): SparseAffinities {
  const k = Math.min(numPoints - 1, Math.floor(3 * perplexity));
  const graph = knnGraph(points, numPoints, dim, k);
  const targetEntropy = Math.log(perplexity);
  const conditional = new Float64Array(numPoints * k);
  const squared = new Float64Array(k);
  for (let i = 0; i < numPoints; i++) {
    for (let s = 0; s < k; s++) squared[s] = graph.distances[i * k + s] ** 2;
    const shift = squared[0]; // nearest first: subtracting it keeps exp() from underflowing
    let beta = 1;
    let betaLow = 0;
    let betaHigh = Infinity;
    for (let attempt = 0; attempt < 100; attempt++) {
      let sum = 0;
      let weighted = 0;
      for (let s = 0; s < k; s++) {
        const p = Math.exp(-beta * (squared[s] - shift));
        conditional[i * k + s] = p;
        sum += p;
        weighted += p * (squared[s] - shift);
      }
      const entropy = Math.log(sum) + (beta * weighted) / sum;
      for (let s = 0; s < k; s++) conditional[i * k + s] /= sum;
      if (Math.abs(entropy - targetEntropy) < 1e-5) break;
      if (entropy > targetEntropy) {
        betaLow = beta;
        beta = betaHigh === Infinity ? beta * 2 : (beta + betaHigh) / 2;
      } else {
        betaHigh = beta;
        beta = (beta + betaLow) / 2;
      }
    }
  }
  // Symmetrise: every (i, j, p) goes to row i and row j, then duplicates are merged.
  const counts = new Int32Array(numPoints + 1);
  for (let i = 0; i < numPoints; i++) {
    for (let s = 0; s < k; s++) {
      counts[i + 1]++;
      counts[graph.indices[i * k + s] + 1]++;
    }
  }
  for (let i = 0; i < numPoints; i++) counts[i + 1] += counts[i];
  const fill = counts.slice(0, numPoints);
  const rawColumns = new Int32Array(counts[numPoints]);
  const rawValues = new Float64Array(counts[numPoints]);
  const scale = 1 / (2 * numPoints);
  for (let i = 0; i < numPoints; i++) {
    for (let s = 0; s < k; s++) {
      const j = graph.indices[i * k + s];
      const p = conditional[i * k + s] * scale;
      rawColumns[fill[i]] = j;
      rawValues[fill[i]++] = p;
      rawColumns[fill[j]] = i;
      rawValues[fill[j]++] = p;
    }
  }
  const rowStart = new Int32Array(numPoints + 1);
  const columns: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < numPoints; i++) {
    const begin = counts[i];
    const end = counts[i + 1];
    const order = Array.from({ length: end - begin }, (_, t) => begin + t).sort((a, b) => rawColumns[a] - rawColumns[b]);
    for (const t of order) {
      if (columns.length > rowStart[i] && columns[columns.length - 1] === rawColumns[t]) values[values.length - 1] += rawValues[t];
      else {
        columns.push(rawColumns[t]);
        values.push(rawValues[t]);
      }
    }
    rowStart[i + 1] = columns.length;
  }
  return { rowStart, columns: Int32Array.from(columns), values: Float64Array.from(values) };
}

/**
 * A 2^dims-ary space-partitioning tree (quadtree / octree) over the current embedding, stored in flat
 * arrays and rebuilt every iteration. Leaves hold one point, or several that coincide.
 */
class SpaceTree {
  private capacity: number;
  private dims: number;
  private fanout: number;
  centre: Float64Array;
  halfWidth: Float64Array;
  mass: Float64Array;
  centreOfMass: Float64Array;
  firstChild: Int32Array;
  point: Int32Array;
  /** What the traversal reads, packed per node for locality: centre of mass (dims), mass, (cell width)^2. */
  packed: Float64Array;
  size = 0;

  constructor(dims: number, initialCapacity: number) {
    this.dims = dims;
    this.fanout = 1 << dims;
    this.capacity = Math.max(initialCapacity, 16);
    this.centre = new Float64Array(this.capacity * dims);
    this.halfWidth = new Float64Array(this.capacity);
    this.mass = new Float64Array(this.capacity);
    this.centreOfMass = new Float64Array(this.capacity * dims);
    this.firstChild = new Int32Array(this.capacity);
    this.point = new Int32Array(this.capacity);
    this.packed = new Float64Array(this.capacity * (dims + 2));
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const resize = <T extends Float64Array | Int32Array>(old: T, width: number): T => {
      const next = new (old.constructor as { new (n: number): T })(capacity * width);
      next.set(old);
      return next;
    };
    this.centre = resize(this.centre, this.dims);
    this.halfWidth = resize(this.halfWidth, 1);
    this.mass = resize(this.mass, 1);
    this.centreOfMass = resize(this.centreOfMass, this.dims);
    this.firstChild = resize(this.firstChild, 1);
    this.point = resize(this.point, 1);
    this.packed = resize(this.packed, this.dims + 2);
    this.capacity = capacity;
  }

  private newNode(centre: ArrayLike<number>, centreOffset: number, halfWidth: number): number {
    if (this.size === this.capacity) this.grow();
    const node = this.size++;
    for (let d = 0; d < this.dims; d++) {
      this.centre[node * this.dims + d] = centre[centreOffset + d];
      this.centreOfMass[node * this.dims + d] = 0;
    }
    this.halfWidth[node] = halfWidth;
    this.mass[node] = 0;
    this.firstChild[node] = -1;
    this.point[node] = -1;
    return node;
  }

  private childOf(node: number, y: Float64Array, offset: number): number {
    let index = 0;
    for (let d = 0; d < this.dims; d++) if (y[offset + d] > this.centre[node * this.dims + d]) index |= 1 << d;
    return this.firstChild[node] + index;
  }

  private subdivide(node: number): void {
    const dims = this.dims;
    const half = this.halfWidth[node] / 2;
    const childCentre = new Float64Array(dims);
    const first = this.size;
    for (let c = 0; c < this.fanout; c++) {
      for (let d = 0; d < dims; d++) childCentre[d] = this.centre[node * dims + d] + ((c >> d) & 1 ? half : -half);
      this.newNode(childCentre, 0, half);
    }
    this.firstChild[node] = first;
  }

  build(y: Float64Array, numPoints: number): void {
    const dims = this.dims;
    this.size = 0;
    const low = new Float64Array(dims).fill(Infinity);
    const high = new Float64Array(dims).fill(-Infinity);
    for (let i = 0; i < numPoints; i++) {
      for (let d = 0; d < dims; d++) {
        const v = y[i * dims + d];
        if (v < low[d]) low[d] = v;
        if (v > high[d]) high[d] = v;
      }
    }
    const middle = new Float64Array(dims);
    let half = 0;
    for (let d = 0; d < dims; d++) {
      middle[d] = (low[d] + high[d]) / 2;
      half = Math.max(half, (high[d] - low[d]) / 2);
    }
    this.newNode(middle, 0, half * (1 + 1e-5) + 1e-12);
    for (let i = 0; i < numPoints; i++) this.insert(i, y);
    const stride = dims + 2;
    for (let node = 0; node < this.size; node++) {
      const m = this.mass[node];
      if (m > 0) for (let d = 0; d < dims; d++) this.centreOfMass[node * dims + d] /= m;
      for (let d = 0; d < dims; d++) this.packed[node * stride + d] = this.centreOfMass[node * dims + d];
      this.packed[node * stride + dims] = m;
      this.packed[node * stride + dims + 1] = 4 * this.halfWidth[node] * this.halfWidth[node];
    }
  }

  private insert(i: number, y: Float64Array): void {
    const dims = this.dims;
    const offset = i * dims;
    let node = 0;
    for (let depth = 0; ; depth++) {
      this.mass[node] += 1;
      for (let d = 0; d < dims; d++) this.centreOfMass[node * dims + d] += y[offset + d];
      if (this.firstChild[node] >= 0) {
        node = this.childOf(node, y, offset);
        continue;
      }
      const resident = this.point[node];
      if (resident < 0) {
        this.point[node] = i;
        return;
      }
      let coincide = true;
      for (let d = 0; d < dims; d++) if (y[resident * dims + d] !== y[offset + d]) coincide = false;
      if (coincide || depth > 40) return; // several points in one leaf; `point` names one of them
      // Move the resident (with any points coinciding with it) down into a child, then continue.
      const residentMass = this.mass[node] - 1;
      this.subdivide(node);
      this.point[node] = -1;
      const child = this.childOf(node, y, resident * dims);
      this.mass[child] = residentMass;
      for (let d = 0; d < dims; d++) {
        this.centreOfMass[child * dims + d] = this.centreOfMass[node * dims + d] - y[offset + d];
      }
      this.point[child] = resident;
      node = this.childOf(node, y, offset);
    }
  }

  /**
   * Adds the repulsive force on point i, sum_j q_ij^2 (y_i - y_j) with unnormalised q = 1/(1+d^2),
   * into force[0..dims) and returns sum_j q_ij (its share of the normaliser Z). Written out for 2-D
   * and 3-D separately: this loop is where t-SNE spends its time.
   */
  repulsion(i: number, y: Float64Array, thetaSquared: number, force: Float64Array, stack: Int32Array): number {
    const three = this.dims === 3;
    const dims = this.dims;
    const stride = dims + 2;
    const fanout = this.fanout;
    const { firstChild, point, packed } = this;
    const y0 = y[i * dims];
    const y1 = y[i * dims + 1];
    const y2 = three ? y[i * dims + 2] : 0;
    let f0 = 0;
    let f1 = 0;
    let f2 = 0;
    let z = 0;
    let top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const node = stack[--top];
      const first = firstChild[node];
      const base = node * stride;
      if (first < 0 && point[node] === i) {
        z += packed[base + dims] - 1; // the point itself; any remaining mass coincides with it (zero force, q = 1)
        continue;
      }
      const d0 = y0 - packed[base];
      const d1 = y1 - packed[base + 1];
      const d2 = three ? y2 - packed[base + 2] : 0;
      const distanceSquared = d0 * d0 + d1 * d1 + d2 * d2;
      if (first < 0 || packed[base + dims + 1] < thetaSquared * distanceSquared) {
        const mass = packed[base + dims];
        const q = 1 / (1 + distanceSquared);
        z += mass * q;
        const strength = mass * q * q;
        f0 += strength * d0;
        f1 += strength * d1;
        f2 += strength * d2;
      } else {
        for (let c = first; c < first + fanout; c++) if (packed[c * stride + dims] > 0) stack[top++] = c;
      }
    }
    force[0] = f0;
    force[1] = f1;
    if (three) force[2] = f2;
    return z;
  }
}

/** Buffers reused by {@link tsneGradient} across iterations. */
export class TsneWorkspace {
  readonly attraction: Float64Array;
  readonly tree: SpaceTree;
  readonly stack: Int32Array;
  readonly force: Float64Array;

  constructor(numPoints: number, dims: number) {
    this.attraction = new Float64Array(numPoints * dims);
    this.tree = new SpaceTree(dims, numPoints * 2);
    this.stack = new Int32Array(64 * (1 << dims) + 16);
    this.force = new Float64Array(dims);
  }
}

/**
 * Gradient of the t-SNE cost KL(P || Q) at the embedding y (P multiplied by `exaggeration`):
 * 4 * (sum_j p_ij q_ij Z (y_i - y_j) - sum_j q_ij^2 Z (y_i - y_j)), the second sum by Barnes-Hut with
 * opening angle theta (theta = 0 is exact).
 * @param y [N, dims]. @param out [N, dims], overwritten.
 * @returns the normaliser Z = sum over i != j of 1 / (1 + |y_i - y_j|^2).
 */
export function tsneGradient(
  y: Float64Array,
  numPoints: number,
  dims: number,
  affinities: SparseAffinities,
  exaggeration: number,
  theta: number,
  out: Float64Array,
  workspace: TsneWorkspace = new TsneWorkspace(numPoints, dims),
): number {
  const { rowStart, columns, values } = affinities;
  const { attraction, tree, stack, force } = workspace;
  attraction.fill(0);
  // P is symmetric: visit each unordered pair once (j > i) and apply the force to both ends.
  for (let i = 0; i < numPoints; i++) {
    const io = i * dims;
    for (let t = rowStart[i]; t < rowStart[i + 1]; t++) {
      const j = columns[t];
      if (j <= i) continue;
      const jo = j * dims;
      let distanceSquared = 0;
      for (let d = 0; d < dims; d++) {
        const diff = y[io + d] - y[jo + d];
        distanceSquared += diff * diff;
      }
      const strength = (values[t] * exaggeration) / (1 + distanceSquared);
      for (let d = 0; d < dims; d++) {
        const pull = strength * (y[io + d] - y[jo + d]);
        attraction[io + d] += pull;
        attraction[jo + d] -= pull;
      }
    }
  }
  tree.build(y, numPoints);
  const thetaSquared = theta * theta;
  let normaliser = 0;
  for (let i = 0; i < numPoints; i++) {
    normaliser += tree.repulsion(i, y, thetaSquared, force, stack);
    for (let d = 0; d < dims; d++) out[i * dims + d] = force[d]; // repulsion, scaled below once Z is known
  }
  for (let t = 0; t < numPoints * dims; t++) out[t] = 4 * (attraction[t] - out[t] / normaliser);
  return normaliser;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Embeds N points of dimension D in 2-D or 3-D with Barnes-Hut t-SNE.
 * @param points row-major [N, D].
 */
export async function tsne(points: Float32Array, numPoints: number, dim: number, options: TsneOptions = {}): Promise<TsneResult> {
  if (points.length !== numPoints * dim) throw new Error(`expected ${numPoints}x${dim} values, got ${points.length}`);
  if (numPoints < 4) throw new Error(`t-SNE needs at least 4 points, got ${numPoints}`);
  const dims = options.dims ?? 2;
  const perplexity = Math.max(1, Math.min(options.perplexity ?? defaultPerplexity(numPoints), (numPoints - 1) / 3));
  const exaggeration = options.earlyExaggeration ?? 12;
  const exaggerationIterations = options.exaggerationIterations ?? 250;
  const learningRate = options.learningRate ?? Math.max(numPoints / exaggeration / 4, 50);
  const iterations = options.iterations ?? 1000;
  const reportEvery = Math.max(1, Math.floor(options.reportEvery ?? 10));
  const theta = options.theta ?? 0.5;
  const signal = options.signal;
  signal?.throwIfAborted();

  const started = performance.now();
  const affinities = inputAffinities(points, numPoints, dim, perplexity);
  const setupMillis = performance.now() - started;
  signal?.throwIfAborted();

  const y = new Float64Array(numPoints * dims);
  if ((options.init ?? 'pca') === 'pca' && dim >= dims) {
    const initial = pca(points, numPoints, dim, { dims }).coords;
    let sumSquares = 0;
    for (let i = 0; i < numPoints; i++) sumSquares += initial[i * dims] ** 2;
    const scale = 1e-4 / Math.max(Math.sqrt(sumSquares / numPoints), 1e-12);
    for (let t = 0; t < y.length; t++) y[t] = initial[t] * scale;
  } else {
    const random = new SeededRandom(options.seed ?? 0);
    for (let t = 0; t < y.length; t++) y[t] = random.gaussian() * 1e-4;
  }

  const update = new Float64Array(numPoints * dims);
  const gains = new Float64Array(numPoints * dims).fill(1);
  const gradient = new Float64Array(numPoints * dims);
  const workspace = new TsneWorkspace(numPoints, dims);

  for (let iteration = 1; iteration <= iterations; iteration++) {
    const exaggerating = iteration <= exaggerationIterations;
    const pScale = exaggerating ? exaggeration : 1;
    const momentum = exaggerating ? 0.5 : 0.8;

    tsneGradient(y, numPoints, dims, affinities, pScale, theta, gradient, workspace);
    // Delta-bar-delta gains and momentum, then re-centre.
    const mean = new Float64Array(dims);
    for (let t = 0; t < y.length; t++) {
      gains[t] = Math.sign(gradient[t]) !== Math.sign(update[t]) ? gains[t] + 0.2 : Math.max(gains[t] * 0.8, 0.01);
      update[t] = momentum * update[t] - learningRate * gains[t] * gradient[t];
      y[t] += update[t];
      mean[t % dims] += y[t];
    }
    for (let t = 0; t < y.length; t++) y[t] -= mean[t % dims] / numPoints;

    if (iteration % reportEvery === 0 || iteration === iterations) {
      options.onIteration?.(iteration, Float32Array.from(y));
      if (iteration < iterations) {
        await nextTurn();
        signal?.throwIfAborted();
      }
    }
  }
  return { coords: Float32Array.from(y), perplexity, learningRate, iterations, setupMillis };
}
