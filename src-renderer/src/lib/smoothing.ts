/**
 * Debiased exponential moving average, as TensorBoard smooths scalar curves.
 *
 * smoothed_i = ema_i / (1 - weight^n_i), where ema_i = weight * ema_{i-1} + (1 - weight) * y_i and n_i is
 * the number of finite values seen so far. Dividing by (1 - weight^n) removes the pull towards 0 that a
 * zero-initialised EMA has at the start. Non-finite values pass through unchanged and do not update the
 * average. A constant series is returned as is (TensorBoard does the same, avoiding rounding noise).
 */
export function debiasedEma(values: readonly number[], weight: number): number[] {
  const clamped = Math.min(Math.max(weight, 0), 0.999);
  const finite = values.filter((value) => Number.isFinite(value));
  if (clamped === 0 || finite.length === 0 || finite.every((value) => value === finite[0])) {
    return values.slice();
  }
  let average = 0;
  let count = 0;
  return values.map((value) => {
    if (!Number.isFinite(value)) return value;
    average = average * clamped + (1 - clamped) * value;
    count += 1;
    return average / (1 - clamped ** count);
  });
}
