/** Test helper: central finite differences of a scalar function of several float arrays. */

/**
 * Numerical gradient of f at inputs, one array per input, by (f(x + eps) - f(x - eps)) / (2 eps)
 * with each element perturbed in turn (the arrays are restored afterwards).
 */
export function numericGradients(f: (inputs: Float32Array[]) => number, inputs: Float32Array[], eps = 1e-2): Float64Array[] {
  return inputs.map((input) => {
    const grad = new Float64Array(input.length);
    for (let i = 0; i < input.length; i++) {
      const keep = input[i];
      input[i] = keep + eps;
      const up = f(inputs);
      input[i] = keep - eps;
      const down = f(inputs);
      input[i] = keep;
      // the perturbation actually applied, after rounding to float32
      const step = Math.fround(keep + eps) - Math.fround(keep - eps);
      grad[i] = (up - down) / step;
    }
    return grad;
  });
}

/** Largest |a - b| divided by the largest |b| (or 1 if b is all tiny). */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} vs ${expected.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / Math.max(scale, 1e-3);
}
