/**
 * Colour scales for the Explore views: a sequential scale (viridis-like, readable on light and dark
 * backgrounds), a categorical palette (Okabe-Ito, then more hues), a diverging scale whose midpoint
 * follows the theme, and helpers to read theme colours from CSS variables.
 */
export type Rgb = [number, number, number];

const SEQUENTIAL_STOPS: Rgb[] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

/** t in [0, 1] -> colour. */
export function sequential(t: number): Rgb {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  const position = clamped * (SEQUENTIAL_STOPS.length - 1);
  const low = Math.min(SEQUENTIAL_STOPS.length - 2, Math.floor(position));
  return mix(SEQUENTIAL_STOPS[low], SEQUENTIAL_STOPS[low + 1], position - low);
}

const CATEGORICAL: Rgb[] = [
  [0, 114, 178],
  [213, 94, 0],
  [0, 158, 115],
  [204, 121, 167],
  [230, 159, 0],
  [86, 180, 233],
  [136, 34, 85],
  [240, 228, 66],
  [68, 170, 153],
  [153, 153, 51],
];

/** Colour of category i (cycles through hues after the first ten). */
export function categorical(index: number): Rgb {
  if (index < CATEGORICAL.length) return CATEGORICAL[Math.max(0, index)];
  const hue = (index * 137.508) % 360;
  return hslToRgb(hue, 0.55, 0.5);
}

export function rgbCss([r, g, b]: Rgb, alpha = 1): string {
  return alpha >= 1 ? `rgb(${r} ${g} ${b})` : `rgb(${r} ${g} ${b} / ${alpha})`;
}

const NEGATIVE: Rgb = [33, 102, 172];
const POSITIVE: Rgb = [178, 24, 43];
const MID_LIGHT: Rgb = [247, 247, 247];
const MID_DARK: Rgb = [40, 40, 46];

/** t in [-1, 1] -> blue (negative) .. neutral .. red (positive). */
export function diverging(t: number, dark: boolean): Rgb {
  const clamped = Math.min(1, Math.max(-1, Number.isFinite(t) ? t : 0));
  const mid = dark ? MID_DARK : MID_LIGHT;
  const negative: Rgb = dark ? [90, 160, 230] : NEGATIVE;
  const positive: Rgb = dark ? [240, 100, 100] : POSITIVE;
  return clamped < 0 ? mix(mid, negative, -clamped) : mix(mid, positive, clamped);
}

/** t in [0, 1] -> neutral .. red (for values that are never negative). */
export function sequentialPositive(t: number, dark: boolean): Rgb {
  return diverging(Math.min(1, Math.max(0, t)), dark);
}

export function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [Math.round(a[0] + (b[0] - a[0]) * t), Math.round(a[1] + (b[1] - a[1]) * t), Math.round(a[2] + (b[2] - a[2]) * t)];
}

function hslToRgb(hue: number, saturation: number, lightness: number): Rgb {
  const chroma = (1 - Math.abs(2 * lightness - 1)) * saturation;
  const x = chroma * (1 - Math.abs(((hue / 60) % 2) - 1));
  const m = lightness - chroma / 2;
  const [r, g, b] =
    hue < 60 ? [chroma, x, 0] : hue < 120 ? [x, chroma, 0] : hue < 180 ? [0, chroma, x] : hue < 240 ? [0, x, chroma] : hue < 300 ? [x, 0, chroma] : [chroma, 0, x];
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

let probe: CanvasRenderingContext2D | null = null;

/** Any CSS colour string -> RGB (via a 1x1 canvas); fallback when it cannot be parsed. */
export function parseCssColor(text: string, fallback: Rgb): Rgb {
  const value = text.trim();
  if (!value) return fallback;
  probe ??= document.createElement('canvas').getContext('2d', { willReadFrequently: true });
  if (!probe) return fallback;
  probe.clearRect(0, 0, 1, 1);
  probe.fillStyle = '#010203';
  probe.fillStyle = value;
  probe.fillRect(0, 0, 1, 1);
  const data = probe.getImageData(0, 0, 1, 1).data;
  if (data[3] === 0) return fallback;
  return [data[0], data[1], data[2]];
}

/** A theme colour from a CSS custom property as seen from `element`. */
export function cssColor(element: Element, name: string, fallback: Rgb): Rgb {
  return parseCssColor(getComputedStyle(element).getPropertyValue(name), fallback);
}

/** Whether the app shows its dark theme (App.svelte sets data-theme on <html>). */
export function isDarkTheme(): boolean {
  const attribute = document.documentElement.dataset.theme;
  if (attribute === 'dark') return true;
  if (attribute === 'light') return false;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false;
}

/** Calls back whenever the theme attribute on <html> changes; returns the stop function. */
export function watchTheme(callback: (dark: boolean) => void): () => void {
  const observer = new MutationObserver(() => callback(isDarkTheme()));
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  return () => observer.disconnect();
}
