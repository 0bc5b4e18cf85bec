/**
 * A DLRM's initial weights without TensorFlow.js (so the WebGPU step can start while tfjs runs on a
 * backend that cannot read synchronously): the same numbers as Dlrm.create(arch, tableSizes, seed)
 * with float32 tables, drawn in its order from one generator: every table ~ U(-sqrt(1/n), sqrt(1/n)),
 * then per MLP layer (bottom, then top) W ~ N(0, sqrt(2 / (fan_in + fan_out))), b ~ N(0, sqrt(1 / fan_out)).
 */
import type { DlrmArchitecture } from '../../model/architecture';
import type { ModelWeights } from '../../model/ctr-model';
import { Rng } from '../../random/rng';

export function initialDlrmWeights(arch: DlrmArchitecture, tableSizes: readonly number[], seed: number): ModelWeights {
  const rng = new Rng(seed);
  const D = arch.embeddingDim;
  const tables = tableSizes.map((rows) => {
    const table = new Float32Array(rows * D);
    const bound = Math.sqrt(1 / rows);
    for (let i = 0; i < table.length; i++) table[i] = rng.uniformIn(-bound, bound);
    return table;
  });
  const dense: Float32Array[] = [];
  for (const sizes of [arch.bottomSizes, arch.topSizes]) {
    for (let l = 0; l + 1 < sizes.length; l++) {
      const fanIn = sizes[l];
      const fanOut = sizes[l + 1];
      const w = new Float32Array(fanIn * fanOut);
      const b = new Float32Array(fanOut);
      const wStd = Math.sqrt(2 / (fanIn + fanOut));
      const bStd = Math.sqrt(1 / fanOut);
      for (let i = 0; i < w.length; i++) w[i] = rng.normal(0, wStd);
      for (let i = 0; i < b.length; i++) b[i] = rng.normal(0, bStd);
      dense.push(w, b);
    }
  }
  return { tables, dense };
}

/**
 * Rows of Criteo Kaggle's 26 categorical features (distinct values in the 7-day set, as the
 * reference DLRM counts them): 33,762,577 rows in all, 2.16 GB of float32 weights at d = 16.
 */
export const CRITEO_KAGGLE_TABLE_SIZES: readonly number[] = [
  1460, 583, 10131227, 2202608, 305, 24, 12517, 633, 3, 93145, 5683, 8351593, 3194, 27, 14992, 5461306, 10, 5652, 2173, 4, 7046547, 18, 15,
  286181, 105, 142572,
];
