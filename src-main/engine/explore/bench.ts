/**
 * Timing of the three projections on random clustered data, for the question "how long do
 * PCA, t-SNE and UMAP take on 5,000 and 20,000 points of a 16-d table on this 2-core machine".
 * Not a unit test (no timed assertions anywhere): run it through a small runner, e.g.
 *
 *   npx rolldown bench-runner.ts --format esm --platform node -o /tmp/bench.mjs && node /tmp/bench.mjs
 *
 * with bench-runner.ts = `import { benchProjections } from '<repo>/src-main/engine/explore/bench';
 * console.log(JSON.stringify(await benchProjections({ log: console.log }), null, 1));`
 */
import { pca } from './pca';
import { SeededRandom } from './random';
import { tsne } from './tsne';
import { umap } from './umap';

export interface ProjectionBenchRow {
  method: 'pca' | 'tsne' | 'umap';
  points: number;
  dim: number;
  dims: 2 | 3;
  /** Wall time of the whole projection. */
  millis: number;
  /** CPU time this process used meanwhile (user + system): less sensitive than wall time to other load. */
  cpuMillis: number;
  /** t-SNE: affinities (exact k-NN + bandwidths); UMAP: k-NN + fuzzy graph; PCA: 0. */
  setupMillis: number;
  /** Iterations (t-SNE) or epochs (UMAP) run; 0 for PCA. */
  iterations: number;
}

export interface ProjectionBenchOptions {
  /** Default [5000, 20000]. */
  sizes?: number[];
  /** Input width. Default 16. */
  dim?: number;
  /** Default ['pca', 'tsne', 'umap']. */
  methods?: ('pca' | 'tsne' | 'umap')[];
  /** t-SNE iterations. Default 1000 (the t-SNE default). */
  tsneIterations?: number;
  /** Output dims. Default 2. */
  dims?: 2 | 3;
  seed?: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** Random clustered data: 20 Gaussian clusters of unequal size in `dim` dims, row-major [N, dim]. */
export function clusteredPoints(numPoints: number, dim: number, seed: number): Float32Array {
  const random = new SeededRandom(seed);
  const clusters = 20;
  const centres = Array.from({ length: clusters }, () => Array.from({ length: dim }, () => random.gaussian() * 2));
  const spreads = Array.from({ length: clusters }, () => 0.3 + random.next() * 0.7);
  const out = new Float32Array(numPoints * dim);
  for (let i = 0; i < numPoints; i++) {
    const c = Math.floor(clusters * random.next() ** 2); // low-numbered clusters are larger
    for (let j = 0; j < dim; j++) out[i * dim + j] = centres[c][j] + random.gaussian() * spreads[c];
  }
  return out;
}

/** Times each method on each size, one after the other (never two at once). */
export async function benchProjections(options: ProjectionBenchOptions = {}): Promise<ProjectionBenchRow[]> {
  const sizes = options.sizes ?? [5000, 20000];
  const dim = options.dim ?? 16;
  const methods = options.methods ?? ['pca', 'tsne', 'umap'];
  const dims = options.dims ?? 2;
  const log = options.log ?? (() => undefined);
  const rows: ProjectionBenchRow[] = [];
  for (const points of sizes) {
    const data = clusteredPoints(points, dim, options.seed ?? 1);
    for (const method of methods) {
      const started = performance.now();
      const cpuStarted = process.cpuUsage();
      let setupMillis = 0;
      let iterations = 0;
      if (method === 'pca') {
        pca(data, points, dim, { dims });
      } else if (method === 'tsne') {
        const result = await tsne(data, points, dim, { dims, iterations: options.tsneIterations ?? 1000, reportEvery: 50 });
        setupMillis = result.setupMillis;
        iterations = result.iterations;
      } else {
        const result = await umap(data, points, dim, { dims, seed: options.seed ?? 1 });
        setupMillis = result.setupMillis;
        iterations = result.epochs;
      }
      const cpu = process.cpuUsage(cpuStarted);
      const cpuMillis = (cpu.user + cpu.system) / 1000;
      const row: ProjectionBenchRow = { method, points, dim, dims, millis: performance.now() - started, cpuMillis, setupMillis, iterations };
      log(
        `${method} ${points} points: ${(row.millis / 1000).toFixed(2)} s wall, ${(cpuMillis / 1000).toFixed(2)} s CPU ` +
          `(setup ${(setupMillis / 1000).toFixed(2)} s wall, ${iterations} iterations)`,
      );
      rows.push(row);
    }
  }
  return rows;
}
