/**
 * Nearest neighbours in the full embedding space (not the projection), by brute force with a bounded
 * max-heap (partial selection, O(N log k)), and the all-points k-nearest-neighbour graph that t-SNE
 * and UMAP start from.
 */

export type DistanceMetric = 'cosine' | 'euclidean';

export interface NeighborHit {
  /** Row of the table. */
  id: number;
  /** Cosine distance 1 - cos (a zero vector is at distance 1 from everything) or euclidean distance. */
  distance: number;
}

/**
 * A max-heap of at most `capacity` (distance, id) pairs keeping the smallest distances; ties go to
 * the smaller id, so the result equals a full sort by (distance, id).
 */
class BoundedMaxHeap {
  readonly distances: Float64Array;
  readonly ids: Int32Array;
  size = 0;

  constructor(readonly capacity: number) {
    this.distances = new Float64Array(capacity);
    this.ids = new Int32Array(capacity);
  }

  /** True when (d1, id1) sorts after (d2, id2). */
  private static after(d1: number, id1: number, d2: number, id2: number): boolean {
    return d1 > d2 || (d1 === d2 && id1 > id2);
  }

  offer(distance: number, id: number): void {
    if (this.capacity === 0) return;
    if (this.size < this.capacity) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!BoundedMaxHeap.after(distance, id, this.distances[parent], this.ids[parent])) break;
        this.distances[i] = this.distances[parent];
        this.ids[i] = this.ids[parent];
        i = parent;
      }
      this.distances[i] = distance;
      this.ids[i] = id;
      return;
    }
    if (!BoundedMaxHeap.after(this.distances[0], this.ids[0], distance, id)) return;
    // Replace the root and sift down.
    let i = 0;
    const n = this.size;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let largest = left;
      if (right < n && BoundedMaxHeap.after(this.distances[right], this.ids[right], this.distances[left], this.ids[left])) largest = right;
      if (!BoundedMaxHeap.after(this.distances[largest], this.ids[largest], distance, id)) break;
      this.distances[i] = this.distances[largest];
      this.ids[i] = this.ids[largest];
      i = largest;
    }
    this.distances[i] = distance;
    this.ids[i] = id;
  }

  /** Contents sorted by (distance, id). */
  sorted(): NeighborHit[] {
    const hits: NeighborHit[] = [];
    for (let i = 0; i < this.size; i++) hits.push({ id: this.ids[i], distance: this.distances[i] });
    return hits.sort((a, b) => a.distance - b.distance || a.id - b.id);
  }
}

/**
 * The k rows nearest to row `query` of a table, excluding the row itself.
 * @param table row-major [rows, D].
 * @param candidates restrict the search to these rows (e.g. rows seen in the data); default all rows.
 * @returns at most k hits sorted by (distance, id).
 */
export function nearestNeighbors(
  table: Float32Array,
  dim: number,
  query: number,
  k: number,
  metric: DistanceMetric,
  candidates?: ArrayLike<number>,
): NeighborHit[] {
  const rows = table.length / dim;
  if (!Number.isInteger(rows)) throw new Error(`table length ${table.length} is not a multiple of D=${dim}`);
  if (!Number.isInteger(query) || query < 0 || query >= rows) throw new Error(`row ${query} is outside the table (${rows} rows)`);
  if (!Number.isInteger(k) || k < 0) throw new Error(`k must be a non-negative integer, got ${k}`);
  const heap = new BoundedMaxHeap(k);
  const q = table.subarray(query * dim, (query + 1) * dim);
  let queryNorm = 0;
  for (let j = 0; j < dim; j++) queryNorm += q[j] * q[j];
  queryNorm = Math.sqrt(queryNorm);
  const count = candidates ? candidates.length : rows;
  for (let c = 0; c < count; c++) {
    const r = candidates ? candidates[c] : c;
    if (r === query) continue;
    const offset = r * dim;
    let distance: number;
    if (metric === 'euclidean') {
      let sum = 0;
      for (let j = 0; j < dim; j++) {
        const diff = table[offset + j] - q[j];
        sum += diff * diff;
      }
      distance = Math.sqrt(sum);
    } else {
      let dot = 0;
      let norm = 0;
      for (let j = 0; j < dim; j++) {
        dot += table[offset + j] * q[j];
        norm += table[offset + j] * table[offset + j];
      }
      const denominator = Math.sqrt(norm) * queryNorm;
      distance = denominator > 0 ? 1 - dot / denominator : 1;
    }
    heap.offer(distance, r);
  }
  return heap.sorted();
}

/** Squared euclidean distance of two rows of a flat array; unrolled by 4 (the k-NN graph's hot loop). */
function squaredDistance(points: Float32Array, a: number, b: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let d = 0;
  for (; d + 3 < dim; d += 4) {
    const e0 = points[a + d] - points[b + d];
    const e1 = points[a + d + 1] - points[b + d + 1];
    const e2 = points[a + d + 2] - points[b + d + 2];
    const e3 = points[a + d + 3] - points[b + d + 3];
    s0 += e0 * e0;
    s1 += e1 * e1;
    s2 += e2 * e2;
    s3 += e3 * e3;
  }
  for (; d < dim; d++) {
    const e = points[a + d] - points[b + d];
    s0 += e * e;
  }
  return s0 + s1 + s2 + s3;
}

export interface KnnGraph {
  /** k. */
  k: number;
  /** Neighbour indices (into the point set), nearest first, [N, k]. */
  indices: Int32Array;
  /** Euclidean distances, same layout, [N, k]. */
  distances: Float32Array;
}

/**
 * Exact k-nearest-neighbour graph of N points by euclidean distance (each point excluded from its own
 * list). Brute force over pairs i < j, each pair offered to both heaps: N(N-1)/2 distances.
 * @param points row-major [N, D].
 */
export function knnGraph(points: Float32Array, numPoints: number, dim: number, k: number): KnnGraph {
  if (k >= numPoints) throw new Error(`k=${k} needs more than ${numPoints} points`);
  const heaps = Array.from({ length: numPoints }, () => new BoundedMaxHeap(k));
  // Current k-th smallest squared distance of each point (Infinity until its heap is full): most pairs
  // are rejected by this one comparison without touching the heaps.
  const worst = new Float64Array(numPoints).fill(Infinity);
  for (let i = 0; i < numPoints; i++) {
    const oi = i * dim;
    for (let j = i + 1; j < numPoints; j++) {
      const sum = squaredDistance(points, oi, j * dim, dim);
      if (sum <= worst[i]) {
        const heap = heaps[i];
        heap.offer(sum, j);
        if (heap.size === k) worst[i] = heap.distances[0];
      }
      if (sum <= worst[j]) {
        const heap = heaps[j];
        heap.offer(sum, i);
        if (heap.size === k) worst[j] = heap.distances[0];
      }
    }
  }
  const indices = new Int32Array(numPoints * k);
  const distances = new Float32Array(numPoints * k);
  heaps.forEach((heap, i) => {
    heap.sorted().forEach((hit, slot) => {
      indices[i * k + slot] = hit.id;
      distances[i * k + slot] = Math.sqrt(hit.distance);
    });
  });
  return { k, indices, distances };
}
