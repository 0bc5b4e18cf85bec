import * as tf from '@tensorflow/tfjs';

/**
 * Mean binary cross-entropy of sigmoid(logits) against labels, in the stable logits form
 * max(l, 0) - l y + log(1 + exp(-|l|)). The model's sigmoid is folded in here.
 * @param logits [B, 1]  @param labels [B, 1]  @returns scalar
 */
export function binaryCrossEntropyWithLogits(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.mean(tf.add(tf.sub(tf.relu(logits), tf.mul(logits, labels)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))))) as tf.Scalar;
}
