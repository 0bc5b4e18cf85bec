/**
 * Mean binary cross-entropy with logits on the device, and its gradient, in one kernel of one
 * workgroup: loss = mean over the batch's n rows of max(l, 0) - l y + log(1 + exp(-|l|)),
 * dl = (sigmoid(l) - y) / n (0 for the padding rows past n). The loss goes to slot
 * params.lossSlot of the loss log, which the step copies out every N steps.
 * Bindings: logits [B] (read), labels [B] (read), dLogits [B] (write), lossLog [N] (read_write), params.
 */
export const LOSS_THREADS = 256;

export function lossKernel(batch: number, paramsStruct: string): string {
  return /* wgsl */ `
${paramsStruct}
@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<f32>;
@group(0) @binding(2) var<storage, read_write> dLogits: array<f32>;
@group(0) @binding(3) var<storage, read_write> lossLog: array<f32>;
@group(0) @binding(4) var<uniform> params: StepParams;
var<workgroup> partial: array<f32, ${LOSS_THREADS}>;
@compute @workgroup_size(${LOSS_THREADS})
fn main(@builtin(local_invocation_index) lane: u32) {
  var sum = 0.0;
  for (var b = lane; b < ${batch}u; b += ${LOSS_THREADS}u) {
    if (b < params.rows) {
      let l = logits[b];
      let y = labels[b];
      sum += max(l, 0.0) - l * y + log(1.0 + exp(-abs(l)));
      dLogits[b] = (1.0 / (1.0 + exp(-l)) - y) * params.invRows;
    } else {
      dLogits[b] = 0.0;
    }
  }
  partial[lane] = sum;
  workgroupBarrier();
  for (var half = ${LOSS_THREADS / 2}u; half > 0u; half = half / 2u) {
    if (lane < half) { partial[lane] += partial[lane + half]; }
    workgroupBarrier();
  }
  if (lane == 0u) { lossLog[params.lossSlot] = partial[0] * params.invRows; }
}
`;
}
