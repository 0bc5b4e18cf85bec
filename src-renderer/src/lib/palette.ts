/**
 * Categorical colours for runs. They are CSS custom properties defined per theme in app.css
 * (Okabe-Ito based, distinguishable with the common colour-vision deficiencies), so a series colour
 * follows the light/dark theme. Use them through `style:` directives or SVG `style:stroke`.
 */
export const RUN_COLOR_COUNT = 8;

/** Colour of the i-th run of a view. */
export function runColor(index: number): string {
  return `var(--run-${(index % RUN_COLOR_COUNT) + 1})`;
}
