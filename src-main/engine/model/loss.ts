import * as tf from '@tensorflow/tfjs';

/**
 * Mean binary cross-entropy of sigmoid(logits) against labels, in the stable logits form
 * max(l, 0) - l y + log(1 + exp(-|l|)). The model's sigmoid is folded in here.
 * @param logits [B, 1]  @param labels [B, 1]  @returns scalar
 */
export function binaryCrossEntropyWithLogits(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.mean(tf.add(tf.sub(tf.relu(logits), tf.mul(logits, labels)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))))) as tf.Scalar;
}

/**
 * The same loss on the host, in float64, with its gradient with respect to the logits:
 * loss = lossScale * mean over rows of max(l, 0) - l y + log(1 + exp(-|l|)),
 * d loss / d l = lossScale * (sigmoid(l) - y) / rows.
 * @param logits [rows]  @param labels [rows]
 */
export function binaryCrossEntropyOnHost(logits: ArrayLike<number>, labels: ArrayLike<number>, rows: number, lossScale: number): { loss: number; logitGradient: Float32Array } {
  const logitGradient = new Float32Array(rows);
  let sum = 0;
  for (let r = 0; r < rows; r++) {
    const l = logits[r];
    const y = labels[r];
    sum += Math.max(l, 0) - l * y + Math.log1p(Math.exp(-Math.abs(l)));
    logitGradient[r] = (lossScale * (1 / (1 + Math.exp(-l)) - y)) / rows;
  }
  return { loss: (lossScale * sum) / rows, logitGradient };
}
