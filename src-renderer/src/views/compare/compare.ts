/** Helpers of the compare view. */

/** 'better' / 'worse' / 'same' for a difference to the baseline, given the metric's direction. */
export function deltaClass(delta: number, higherIsBetter: boolean): 'better' | 'worse' | 'same' {
  if (!Number.isFinite(delta) || Math.abs(delta) < 1e-12) return 'same';
  return delta > 0 === higherIsBetter ? 'better' : 'worse';
}
