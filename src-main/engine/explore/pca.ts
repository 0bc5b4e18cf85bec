/**
 * Principal component analysis of a point set, as the embedding projector shows it: centre, random-
 * project to at most 200 dimensions when wider (as TensorBoard does), covariance, symmetric
 * eigendecomposition (cyclic Jacobi, exact to rounding for the small D of embedding tables), the top
 * components with the share of variance each explains, and the 2-D / 3-D coordinates.
 */
import { SeededRandom } from './random';

/** Widest input PCA decomposes directly; wider inputs are random-projected to this many dims first. */
export const PCA_MAX_DIMS = 200;
/** Components reported (their explained variance), as in TensorBoard. */
export const PCA_COMPONENTS = 10;

export interface SymmetricEigen {
  /** Eigenvalues, descending, [K]. */
  values: Float64Array;
  /** Unit eigenvectors as rows, [K, K]: vectors[k*K ..] belongs to values[k]. */
  vectors: Float64Array;
}

/**
 * Eigendecomposition of a symmetric matrix by cyclic Jacobi rotations.
 * @param matrix row-major [K, K], symmetric (not modified).
 */
export function symmetricEigen(matrix: ArrayLike<number>, size: number, maxSweeps = 60): SymmetricEigen {
  const K = size;
  if (matrix.length !== K * K) throw new Error(`expected a ${K}x${K} matrix, got ${matrix.length} values`);
  const a = Float64Array.from(matrix);
  const v = new Float64Array(K * K); // columns are eigenvectors while iterating
  for (let i = 0; i < K; i++) v[i * K + i] = 1;
  let scale = 0;
  for (let i = 0; i < K * K; i++) scale += a[i] * a[i];
  const tolerance = 1e-30 * Math.max(scale, 1e-300);
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let offDiagonal = 0;
    for (let p = 0; p < K; p++) for (let q = p + 1; q < K; q++) offDiagonal += a[p * K + q] * a[p * K + q];
    if (offDiagonal <= tolerance) break;
    for (let p = 0; p < K - 1; p++) {
      for (let q = p + 1; q < K; q++) {
        const apq = a[p * K + q];
        if (apq === 0) continue;
        const app = a[p * K + p];
        const aqq = a[q * K + q];
        // Rotation angle that zeroes a[p][q] (Numerical Recipes' stable form).
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < K; k++) {
          const akp = a[k * K + p];
          const akq = a[k * K + q];
          a[k * K + p] = c * akp - s * akq;
          a[k * K + q] = s * akp + c * akq;
        }
        for (let k = 0; k < K; k++) {
          const apk = a[p * K + k];
          const aqk = a[q * K + k];
          a[p * K + k] = c * apk - s * aqk;
          a[q * K + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < K; k++) {
          const vkp = v[k * K + p];
          const vkq = v[k * K + q];
          v[k * K + p] = c * vkp - s * vkq;
          v[k * K + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: K }, (_, i) => i).sort((i, j) => a[j * K + j] - a[i * K + i]);
  const values = new Float64Array(K);
  const vectors = new Float64Array(K * K);
  order.forEach((col, k) => {
    values[k] = a[col * K + col];
    // Sign convention: the largest-magnitude entry of each eigenvector is positive (deterministic output).
    let largest = 0;
    for (let i = 0; i < K; i++) if (Math.abs(v[i * K + col]) > Math.abs(largest)) largest = v[i * K + col];
    const sign = largest < 0 ? -1 : 1;
    for (let i = 0; i < K; i++) vectors[k * K + i] = sign * v[i * K + col];
  });
  return { values, vectors };
}

export interface PcaOptions {
  /** Output dimensions (2 or 3). Default 2. */
  dims?: number;
  /** Components to report. Default 10 (fewer when the data has fewer dimensions). */
  components?: number;
  /** Seed of the random projection used when D > 200. Default 0. */
  seed?: number;
}

export interface PcaResult {
  /** Projected points, row-major [N, dims]. */
  coords: Float32Array;
  /** Top principal directions as rows, in the (possibly random-projected) space, [C, D']. */
  components: Float64Array;
  /** Variance along each reported component, [C]. */
  variances: Float64Array;
  /** Share of the total variance each reported component explains, [C], in 0..1, descending. */
  explainedVarianceRatio: number[];
  /** Width D' of the space decomposed (D, or 200 after random projection). */
  decomposedDims: number;
}

/**
 * PCA of N points of dimension D.
 * @param data row-major [N, D].
 */
export function pca(data: Float32Array, numPoints: number, dim: number, options: PcaOptions = {}): PcaResult {
  const outDims = options.dims ?? 2;
  if (data.length !== numPoints * dim) throw new Error(`expected ${numPoints}x${dim} values, got ${data.length}`);
  if (numPoints < 1) throw new Error('PCA needs at least one point');
  let points = data;
  let width = dim;
  if (dim > PCA_MAX_DIMS) {
    points = randomProjection(data, numPoints, dim, PCA_MAX_DIMS, options.seed ?? 0);
    width = PCA_MAX_DIMS;
  }
  // Centre (in float64), then covariance with 1/N.
  const mean = new Float64Array(width);
  for (let n = 0; n < numPoints; n++) for (let j = 0; j < width; j++) mean[j] += points[n * width + j];
  for (let j = 0; j < width; j++) mean[j] /= numPoints;
  const covariance = new Float64Array(width * width);
  const centred = new Float64Array(width);
  for (let n = 0; n < numPoints; n++) {
    for (let j = 0; j < width; j++) centred[j] = points[n * width + j] - mean[j];
    for (let i = 0; i < width; i++) {
      const ci = centred[i];
      if (ci === 0) continue;
      const rowOffset = i * width;
      for (let j = i; j < width; j++) covariance[rowOffset + j] += ci * centred[j];
    }
  }
  for (let i = 0; i < width; i++) {
    for (let j = i; j < width; j++) {
      covariance[i * width + j] /= numPoints;
      covariance[j * width + i] = covariance[i * width + j];
    }
  }
  const eigen = symmetricEigen(covariance, width);
  let total = 0;
  for (let k = 0; k < width; k++) total += Math.max(eigen.values[k], 0);
  const numComponents = Math.min(options.components ?? PCA_COMPONENTS, width);
  const variances = new Float64Array(numComponents);
  const explainedVarianceRatio: number[] = [];
  for (let k = 0; k < numComponents; k++) {
    variances[k] = Math.max(eigen.values[k], 0);
    explainedVarianceRatio.push(total > 0 ? variances[k] / total : 0);
  }
  const components = eigen.vectors.slice(0, numComponents * width);
  const coords = new Float32Array(numPoints * outDims);
  const usable = Math.min(outDims, width);
  for (let n = 0; n < numPoints; n++) {
    for (let k = 0; k < usable; k++) {
      let sum = 0;
      for (let j = 0; j < width; j++) sum += (points[n * width + j] - mean[j]) * eigen.vectors[k * width + j];
      coords[n * outDims + k] = sum;
    }
  }
  return { coords, components, variances, explainedVarianceRatio, decomposedDims: width };
}

/** Gaussian random projection [N, D] -> [N, K], scaled by 1/sqrt(K) so distances are kept on average. */
export function randomProjection(data: Float32Array, numPoints: number, dim: number, target: number, seed: number): Float32Array {
  const random = new SeededRandom(seed);
  const matrix = new Float32Array(dim * target);
  const scale = 1 / Math.sqrt(target);
  for (let i = 0; i < matrix.length; i++) matrix[i] = random.gaussian() * scale;
  const out = new Float32Array(numPoints * target);
  for (let n = 0; n < numPoints; n++) {
    for (let j = 0; j < dim; j++) {
      const x = data[n * dim + j];
      if (x === 0) continue;
      const rowOffset = j * target;
      for (let k = 0; k < target; k++) out[n * target + k] += x * matrix[rowOffset + k];
    }
  }
  return out;
}
