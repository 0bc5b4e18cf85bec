/**
 * Multi-layer perceptron built from dense layers with hand-written gradients.
 *
 * Why custom gradients: the wasm backend sends only non-transposed, batch-1 matmuls to XNNPACK; the
 * stock gradient of matMul uses transpose flags and falls into a naive loop. Here the backward
 * transposes explicitly and calls plain matMul. The forward calls the `_FusedMatMul` kernel directly
 * (tf.fused.matMul un-fuses under a gradient tape) with 3-D [1, M, K] inputs (2-D crashes wasm).
 *
 * On device backends (webgpu, tfjs-node's tensorflow, webgl) matmuls with transpose flags are native
 * and explicit transposes only cost copies: there the layer is a 2-D `_FusedMatMul` forward and a
 * backward of flagged matMuls plus a column sum, all on the device (no reads to the host).
 */
import * as tf from '@tensorflow/tfjs';
import { mlpParamCount } from './architecture';
import type { Rng } from '../random/rng';

export type DenseActivation = 'relu' | 'linear';

/** Backends that run kernels on an accelerator (or natively), where the device-friendly ops are used. */
const DEVICE_BACKENDS = new Set(['webgpu', 'tensorflow', 'webgl']);

/**
 * Whether the active backend should get the device paths of dense() and interact(): true on webgpu,
 * tensorflow (tfjs-node / tfjs-node-gpu) and webgl; false on wasm and cpu (hand-tuned host paths).
 */
export function usesDeviceOps(): boolean {
  return DEVICE_BACKENDS.has(tf.getBackend());
}

function makeDeviceDenseOp(activation: DenseActivation) {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor2D;
    const w = args[1] as tf.Tensor2D;
    const b = args[2] as tf.Tensor1D;
    const save = args[3] as tf.GradSaveFunc;
    const y = tf.engine().runKernel('_FusedMatMul', { a: x, b: w, bias: b }, { transposeA: false, transposeB: false, activation }) as tf.Tensor2D;
    save([x, w, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws, ys] = saved as tf.Tensor2D[];
        const dz = (activation === 'relu' ? tf.mul(dy, tf.step(ys)) : dy) as tf.Tensor2D;
        return [tf.matMul(dz, ws, false, true), tf.matMul(xs, dz, true, false), tf.sum(dz, 0)];
      },
    };
  }) as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;
}

function makeDenseOp(activation: DenseActivation) {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor2D;
    const w = args[1] as tf.Tensor2D;
    const b = args[2] as tf.Tensor1D;
    const save = args[3] as tf.GradSaveFunc;
    const [m, k] = x.shape;
    const n = w.shape[1];
    const y3 = tf.engine().runKernel(
      '_FusedMatMul',
      { a: tf.reshape(x, [1, m, k]), b: tf.reshape(w, [1, k, n]), bias: b },
      { transposeA: false, transposeB: false, activation },
    ) as tf.Tensor3D;
    const y = tf.reshape(y3, [m, n]);
    save([x, w, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws, ys] = saved;
        const dz = (activation === 'relu' ? tf.mul(dy, tf.step(ys)) : dy) as tf.Tensor2D;
        // bias gradient as column sums on the host: wasm reduces over axis 0 by transposing first
        // (25x slower), and ones[1, B] . dz makes XNNPACK pack dz for one output row (3x slower)
        const biasGradient = tf.tensor1d(columnSums(dz.dataSync() as Float32Array, m, n));
        return [tf.matMul(dz, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dz), biasGradient];
      },
    };
  }) as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;
}

/** Sums along each row of a row-major [n, m] matrix, [n]. */
function rowSums(values: Float32Array, n: number, m: number): Float32Array {
  const sums = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    let sum = 0;
    const o = r * m;
    for (let c = 0; c < m; c++) sum += values[o + c];
    sums[r] = sum;
  }
  return sums;
}

/** Sums over the rows of a row-major [m, n] matrix, [n]. */
function columnSums(values: Float32Array, m: number, n: number): Float32Array {
  const sums = new Float64Array(n);
  for (let r = 0; r < m; r++) {
    const o = r * n;
    for (let c = 0; c < n; c++) sums[c] += values[o + c];
  }
  return Float32Array.from(sums);
}

const denseOps: Record<DenseActivation, (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D> = {
  relu: makeDenseOp('relu'),
  linear: makeDenseOp('linear'),
};

const deviceDenseOps: Record<DenseActivation, (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D> = {
  relu: makeDeviceDenseOp('relu'),
  linear: makeDeviceDenseOp('linear'),
};

/**
 * y = activation(x W + b). The implementation follows the active backend (see usesDeviceOps), unless
 * `path` names one (tests compare the two).
 * @param x [B, K]  @param w [K, N]  @param b [N]
 * @returns [B, N]
 */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, activation: DenseActivation, path?: 'host' | 'device'): tf.Tensor2D {
  const device = path ? path === 'device' : usesDeviceOps();
  return (device ? deviceDenseOps : denseOps)[activation](x, w, b);
}

/** Weights of one layer, fan-in K, fan-out N. */
export interface DenseLayerWeights {
  /** [K, N]. */
  weight: tf.Variable<tf.Rank.R2>;
  /** [N]. */
  bias: tf.Variable<tf.Rank.R1>;
}

/**
 * Batches up to this size take Mlp.forwardTrace's column layout, larger ones the row layout
 * (measured crossover of the criteo-kaggle MLPs on wasm; see forwardTrace).
 */
export const COLUMN_LAYOUT_MAX_BATCH = 256;

/** What Mlp.forwardTrace keeps for Mlp.backward: each layer's input and output. */
export interface MlpTrace {
  /** Column layout: tensors are [width, B]; row layout: [B, width]. */
  columns: boolean;
  inputs: tf.Tensor2D[];
  outputs: tf.Tensor2D[];
}

/** An MLP: ReLU after every layer except, optionally, the last (left linear, e.g. a logit). */
export class Mlp {
  readonly layers: DenseLayerWeights[];

  /**
   * @param sizes widths [input, hidden..., output].
   * @param lastLinear leave the last layer without activation.
   * @param init weights in the order of variables() (weight, bias per layer); random when omitted.
   */
  constructor(
    readonly name: string,
    readonly sizes: readonly number[],
    readonly lastLinear: boolean,
    init: Rng | Float32Array[],
  ) {
    this.layers = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const fanIn = sizes[l];
      const fanOut = sizes[l + 1];
      let w: Float32Array;
      let b: Float32Array;
      if (Array.isArray(init)) {
        w = init[2 * l];
        b = init[2 * l + 1];
        if (!w || w.length !== fanIn * fanOut || !b || b.length !== fanOut) {
          throw new Error(`${name} layer ${l}: expected ${fanIn}x${fanOut} weights and ${fanOut} biases`);
        }
      } else {
        // reference init: W ~ N(0, sqrt(2 / (fan_in + fan_out))), b ~ N(0, sqrt(1 / fan_out))
        w = new Float32Array(fanIn * fanOut);
        b = new Float32Array(fanOut);
        const wStd = Math.sqrt(2 / (fanIn + fanOut));
        const bStd = Math.sqrt(1 / fanOut);
        for (let i = 0; i < w.length; i++) w[i] = init.normal(0, wStd);
        for (let i = 0; i < b.length; i++) b[i] = init.normal(0, bStd);
      }
      this.layers.push({
        // unnamed: tfjs variable names are global and must be unique per engine; tidy frees the
        // initial-value tensors (the variables keep their data)
        weight: tf.tidy(() => tf.variable(tf.tensor2d(w, [fanIn, fanOut]), true)),
        bias: tf.tidy(() => tf.variable(tf.tensor1d(b), true)),
      });
    }
  }

  /** Weight and bias of each layer, in layer order. */
  variables(): tf.Variable[] {
    return this.layers.flatMap((l) => [l.weight as tf.Variable, l.bias as tf.Variable]);
  }

  /**
   * Forward pass, optionally with substitute weights (same order as variables()), which is how a
   * gradient with respect to the weights is taken with tf.valueAndGrads.
   * @param x [B, sizes[0]]  @returns [B, sizes[last]]
   */
  apply(x: tf.Tensor2D, weights?: readonly tf.Tensor[]): tf.Tensor2D {
    let h = x;
    const n = this.layers.length;
    for (let l = 0; l < n; l++) {
      const w = (weights ? weights[2 * l] : this.layers[l].weight) as tf.Tensor2D;
      const b = (weights ? weights[2 * l + 1] : this.layers[l].bias) as tf.Tensor1D;
      h = dense(h, w, b, this.activation(l));
    }
    return h;
  }

  /**
   * Host-path forward without a gradient tape (wasm, cpu), keeping what backward() needs. Call
   * inside tf.tidy, as backward() is.
   *
   * XNNPACK packs the second operand of a matmul whenever it is a new tensor, and weights are new
   * every step. In the row layout (activations [B, width], as logits() computes) each step packs
   * every weight matrix twice (x W, and W^T for d/dx), which costs as much as the products themselves
   * at small batches. The column layout keeps activations transposed ([width, B]) so the batch-sized
   * operand comes second and the weights are never packed: W^T h^T, W dz^T, h^T dz. Small batches
   * take the column layout, large ones the row layout (packing [width, B] operands costs more there).
   * @param x [B, sizes[0]]  @returns the trace; see MlpTrace.
   */
  forwardTrace(x: tf.Tensor2D): MlpTrace {
    const columns = x.shape[0] <= COLUMN_LAYOUT_MAX_BATCH;
    const inputs: tf.Tensor2D[] = [];
    const outputs: tf.Tensor2D[] = [];
    let h = columns ? tf.transpose(x) : x;
    this.layers.forEach((layer, l) => {
      inputs.push(h);
      const activation = this.activation(l);
      if (columns) {
        const n = layer.weight.shape[1];
        const biased = tf.add(tf.matMul(tf.transpose(layer.weight), h), tf.reshape(layer.bias, [n, 1]));
        h = (activation === 'relu' ? tf.relu(biased) : biased) as tf.Tensor2D;
      } else {
        const [m, k] = h.shape;
        const n = layer.weight.shape[1];
        // _FusedMatMul wants 3-D [1, M, K] inputs on wasm (2-D ones crash it)
        const y3 = tf.engine().runKernel(
          '_FusedMatMul',
          { a: tf.reshape(h, [1, m, k]), b: tf.reshape(layer.weight, [1, k, n]), bias: layer.bias },
          { transposeA: false, transposeB: false, activation },
        ) as tf.Tensor3D;
        h = tf.reshape(y3, [m, n]);
      }
      outputs.push(h);
    });
    return { columns, inputs, outputs };
  }

  /**
   * Backward of forwardTrace() in the trace's layout, bias gradients as host sums.
   * @param dy [B, sizes[last]] gradient of the output
   * @param inputGradient whether d/dx is wanted (false for the first MLP of a model, whose input is data)
   * @returns d/dx ([B, sizes[0]], or null) and the weight gradients in the order of variables()
   */
  backward(trace: MlpTrace, dy: tf.Tensor2D, inputGradient: boolean): { dx: tf.Tensor2D | null; grads: tf.Tensor[] } {
    const grads: tf.Tensor[] = new Array<tf.Tensor>(2 * this.layers.length);
    const columns = trace.columns;
    // transposes, never reshapes, even of [B, 1]: tfjs-wasm caches XNNPACK's packed second operand by
    // tensor data id, not by shape, so two matmuls over reshapes of one buffer ([1, B] and [B, 1])
    // would share a packing and the second one would compute garbage
    let upstream = columns ? tf.transpose(dy) : dy;
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const y = trace.outputs[l];
      const [rows, cols] = y.shape;
      const d = (this.activation(l) === 'relu' ? tf.mul(upstream, tf.step(y)) : upstream) as tf.Tensor2D;
      const weight = this.layers[l].weight;
      const wantInput = l > 0 || inputGradient;
      if (columns) {
        // d = dz^T [N, B]; inputs[l] = h^T [K, B]
        grads[2 * l] = tf.matMul(trace.inputs[l], tf.transpose(d));
        grads[2 * l + 1] = tf.tensor1d(rowSums(d.dataSync() as Float32Array, rows, cols));
        if (wantInput) upstream = tf.matMul(weight, d);
      } else {
        // d = dz [B, N]; inputs[l] = h [B, K]; explicit transposes keep wasm on XNNPACK
        grads[2 * l] = tf.matMul(tf.transpose(trace.inputs[l]), d);
        grads[2 * l + 1] = tf.tensor1d(columnSums(d.dataSync() as Float32Array, rows, cols));
        if (wantInput) upstream = tf.matMul(d, tf.transpose(weight));
      }
    }
    if (!inputGradient) return { dx: null, grads };
    return { dx: columns ? tf.transpose(upstream) : upstream, grads };
  }

  /** The output of a trace as [B, sizes[last]] values on the host. */
  static traceOutput(trace: MlpTrace): Float32Array {
    const y = trace.outputs[trace.outputs.length - 1];
    const values = y.dataSync() as Float32Array;
    const [n, m] = y.shape;
    if (!trace.columns || n === 1) return values;
    const out = new Float32Array(m * n);
    for (let r = 0; r < n; r++) for (let c = 0; c < m; c++) out[c * n + r] = values[r * m + c];
    return out;
  }

  private activation(l: number): DenseActivation {
    return this.lastLinear && l === this.layers.length - 1 ? 'linear' : 'relu';
  }

  get paramCount(): number {
    return mlpParamCount(this.sizes);
  }

  dispose(): void {
    for (const l of this.layers) {
      l.weight.dispose();
      l.bias.dispose();
    }
  }
}
