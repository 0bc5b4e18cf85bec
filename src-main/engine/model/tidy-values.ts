import * as tf from '@tensorflow/tfjs';

/**
 * Runs fn inside tf.tidy and returns a copy of the values of the tensor it produces.
 * Typed arrays must never be *returned* through tf.tidy: tidy walks its result looking for tensors
 * and visits a typed array element by element (it cost half of a training step once).
 */
export function tidyValues(fn: () => tf.Tensor): Float32Array {
  let values = new Float32Array(0);
  tf.tidy(() => {
    values = (fn().dataSync() as Float32Array).slice();
  });
  return values;
}
