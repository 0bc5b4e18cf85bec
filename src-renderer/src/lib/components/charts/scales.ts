/** Axis helpers of the charts: nice tick values, and linear or log10 mapping from data to pixels. */

/** A "nice" step (1, 2 or 5 times a power of ten) close to range / count. */
export function niceStep(range: number, count: number): number {
  if (!(range > 0) || !(count > 0)) return 1;
  const raw = range / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normalised = raw / magnitude;
  const factor = normalised < 1.5 ? 1 : normalised < 3 ? 2 : normalised < 7 ? 5 : 10;
  return factor * magnitude;
}

/** Decimal places that show a step exactly (0.05 -> 2). */
export function stepDecimals(step: number): number {
  if (!(step > 0) || step >= 1) return 0;
  return Math.min(12, Math.ceil(-Math.log10(step) - 1e-9));
}

/** Domain [min, max] widened to multiples of a nice step; a zero-width domain is opened up. */
export function niceDomain(min: number, max: number, count = 5): [number, number] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    return [min - pad, max + pad];
  }
  const step = niceStep(max - min, count);
  return [Math.floor(min / step) * step, Math.ceil(max / step) * step];
}

/** Tick values on [min, max] at a nice step, rounded to the step's decimals (no 0.30000000000000004). */
export function linearTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max < min) return [];
  if (min === max) return [min];
  const step = niceStep(max - min, count);
  const decimals = stepDecimals(step);
  const ticks: number[] = [];
  const first = Math.ceil(min / step - 1e-9);
  const last = Math.floor(max / step + 1e-9);
  for (let i = first; i <= last; i += 1) ticks.push(Number((i * step).toFixed(decimals)));
  return ticks;
}

/**
 * Ticks of a log10 axis: 1-2-5 steps per decade when few decades are shown, powers of ten (thinned)
 * when many are, and nice linear ticks when the range holds fewer than two such values.
 */
export function logTicks(min: number, max: number, count = 5): number[] {
  if (!(min > 0) || !(max > 0) || max < min) return [];
  const low = Math.floor(Math.log10(min));
  const high = Math.ceil(Math.log10(max));
  const inRange = (value: number) => value >= min * (1 - 1e-9) && value <= max * (1 + 1e-9);
  const oneTwoFive: number[] = [];
  const powers: number[] = [];
  for (let exponent = low; exponent <= high; exponent += 1) {
    for (const mantissa of [1, 2, 5]) {
      // toPrecision removes binary noise such as 0.30000000000000004 from 3 * 0.1.
      const value = Number((mantissa * 10 ** exponent).toPrecision(12));
      if (!inRange(value)) continue;
      oneTwoFive.push(value);
      if (mantissa === 1) powers.push(value);
    }
  }
  if (oneTwoFive.length < 2) return linearTicks(min, max, count);
  if (oneTwoFive.length <= count + 2) return oneTwoFive;
  if (powers.length < 2) return oneTwoFive.filter((value) => /^[15]/.test(String(value)));
  const every = Math.ceil(powers.length / (count + 2));
  return powers.filter((_, index) => index % every === 0);
}

/** Log domain: the data's own range (a single value is opened up to a factor of two each way). */
export function logDomain(min: number, max: number): [number, number] {
  if (!(min > 0) || !(max > 0)) return [1, 10];
  if (min === max) return [min / 2, max * 2];
  return [min, max];
}

/** Maps data values to pixels on [rangeStart, rangeEnd]. */
export interface Scale {
  (value: number): number;
  invert(pixel: number): number;
  domain: [number, number];
  log: boolean;
}

export function makeScale(domain: [number, number], range: [number, number], log: boolean): Scale {
  const transform = log ? (v: number) => Math.log10(v) : (v: number) => v;
  const inverse = log ? (v: number) => 10 ** v : (v: number) => v;
  const d0 = transform(domain[0]);
  const d1 = transform(domain[1]);
  const span = d1 - d0 || 1;
  const scale = ((value: number) => range[0] + ((transform(value) - d0) / span) * (range[1] - range[0])) as Scale;
  scale.invert = (pixel: number) => inverse(d0 + ((pixel - range[0]) / (range[1] - range[0] || 1)) * span);
  scale.domain = domain;
  scale.log = log;
  return scale;
}

/** Index of the point whose x is closest to `x` in a list sorted by x (binary search). -1 when empty. */
export function nearestIndex(points: readonly { x: number }[], x: number): number {
  if (points.length === 0) return -1;
  let low = 0;
  let high = points.length - 1;
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if (points[middle].x < x) low = middle;
    else high = middle;
  }
  return Math.abs(points[low].x - x) <= Math.abs(points[high].x - x) ? low : high;
}

/** Short tick label: compact for large or tiny numbers, else the step's decimals. */
export function tickLabel(value: number, ticks: readonly number[], log = false): string {
  const magnitude = Math.abs(value);
  if (log && magnitude < 1e4) {
    if (magnitude >= 1) return strip(value.toFixed(magnitude >= 10 ? 0 : 1));
    if (magnitude >= 1e-3) return String(Number(value.toPrecision(2)));
  }
  if (magnitude >= 1e4) {
    if (magnitude >= 1e9) return `${strip((value / 1e9).toFixed(1))}G`;
    if (magnitude >= 1e6) return `${strip((value / 1e6).toFixed(1))}M`;
    return `${strip((value / 1e3).toFixed(1))}k`;
  }
  if (magnitude !== 0 && magnitude < 1e-3) return value.toExponential(0);
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : magnitude;
  return value.toFixed(Math.min(6, stepDecimals(step)));
}

function strip(text: string): string {
  return text.replace(/\.0$/, '');
}
