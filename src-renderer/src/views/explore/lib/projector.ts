/**
 * Pure helpers of the embedding projector: point colours and sizes from metadata, legends, CSV
 * export, search, and saved views in localStorage.
 */
import type { ProjectionMethod, ProjectionPoint, ProjectionResult } from '../../../../../src-main/service/contract';
import { categorical, sequential, type Rgb } from './colors';

export type ColorBy = 'count' | 'ctr' | 'group' | 'none';
export type SizeBy = 'none' | 'count' | 'ctr';
export type DistanceMetric = 'cosine' | 'euclidean';

const MISSING: Rgb = [150, 150, 150];
const PLAIN: Rgb = [0, 114, 178];

/** Largest count and CTR of the points (for the scales). */
export function extents(points: readonly ProjectionPoint[]): { maxCount: number; maxCtr: number; groups: number[] } {
  let maxCount = 1;
  let maxCtr = 0;
  const groups = new Set<number>();
  for (const point of points) {
    if (point.count > maxCount) maxCount = point.count;
    if (point.ctr !== null && point.ctr > maxCtr) maxCtr = point.ctr;
    if (point.group !== null) groups.add(point.group);
  }
  return { maxCount, maxCtr: maxCtr > 0 ? maxCtr : 1, groups: [...groups].sort((a, b) => a - b) };
}

/** Count on a log scale: 1 -> 0, maxCount -> 1. */
export function countShare(count: number, maxCount: number): number {
  return maxCount > 1 ? Math.log(Math.max(1, count)) / Math.log(maxCount) : 0;
}

/** N*4 RGBA bytes. */
export function pointColors(points: readonly ProjectionPoint[], colorBy: ColorBy): Uint8Array {
  const { maxCount, maxCtr } = extents(points);
  const out = new Uint8Array(points.length * 4);
  points.forEach((point, i) => {
    let color: Rgb;
    switch (colorBy) {
      case 'count':
        color = sequential(countShare(point.count, maxCount));
        break;
      case 'ctr':
        color = point.ctr === null ? MISSING : sequential(point.ctr / maxCtr);
        break;
      case 'group':
        color = point.group === null ? MISSING : categorical(point.group);
        break;
      default:
        color = PLAIN;
    }
    out[i * 4] = color[0];
    out[i * 4 + 1] = color[1];
    out[i * 4 + 2] = color[2];
    out[i * 4 + 3] = 220;
  });
  return out;
}

/** N diameters in CSS px; the base size shrinks a little for big point clouds. */
export function pointSizes(points: readonly ProjectionPoint[], sizeBy: SizeBy): Float32Array {
  const { maxCount, maxCtr } = extents(points);
  const base = points.length > 20_000 ? 3 : points.length > 5_000 ? 4 : 6;
  const out = new Float32Array(points.length);
  points.forEach((point, i) => {
    if (sizeBy === 'count') out[i] = base * 0.6 + base * 1.6 * countShare(point.count, maxCount);
    else if (sizeBy === 'ctr') out[i] = point.ctr === null ? base * 0.6 : base * 0.6 + base * 1.6 * (point.ctr / maxCtr);
    else out[i] = base;
  });
  return out;
}

/** Flattened coordinates N * dims. */
export function flatCoords(result: ProjectionResult): Float32Array {
  const out = new Float32Array(result.points.length * result.dims);
  result.points.forEach((point, i) => {
    for (let d = 0; d < result.dims; d += 1) out[i * result.dims + d] = point.coords[d] ?? 0;
  });
  return out;
}

/** Indices of the points whose category value (or id) contains the query, case-insensitively. */
export function searchPoints(points: readonly ProjectionPoint[], query: string, limit = 5000): number[] {
  const needle = query.trim().toLowerCase();
  if (!needle) return [];
  const matches: number[] = [];
  for (let i = 0; i < points.length && matches.length < limit; i += 1) {
    const point = points[i];
    if ((point.value ?? '').toLowerCase().includes(needle) || String(point.id) === needle) matches.push(i);
  }
  return matches;
}

function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The projection as CSV: id, value, count, ctr, group, x, y[, z]. */
export function projectionCsv(result: ProjectionResult): string {
  const axes = result.dims === 3 ? ['x', 'y', 'z'] : ['x', 'y'];
  const lines = [['id', 'value', 'count', 'ctr', 'group', ...axes].join(',')];
  for (const point of result.points) {
    lines.push(
      [point.id, point.value, point.count, point.ctr, point.group, ...axes.map((_, d) => point.coords[d] ?? null)]
        .map(csvField)
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

export function tableLabel(table: number): string {
  return table === -1 ? 'Bottom-MLP output' : `C${table + 1}`;
}

/** Everything needed to redo a projection and restore how it was shown. */
export interface SavedView {
  name: string;
  savedAt: string;
  runId: string;
  table: number;
  method: ProjectionMethod;
  dims: 2 | 3;
  maxPoints: number;
  perplexity: number;
  learningRate: number;
  iterations: number;
  neighbors: number;
  minDist: number;
  colorBy: ColorBy;
  sizeBy: SizeBy;
  search: string;
  selectedId: number | null;
  metric: DistanceMetric;
  k: number;
  subset: number[] | null;
}

const STORAGE_KEY = 'dlrm-studio.explore.views';

function isSavedView(value: unknown): value is SavedView {
  if (typeof value !== 'object' || value === null) return false;
  const view = value as Partial<SavedView>;
  return (
    typeof view.name === 'string' &&
    typeof view.runId === 'string' &&
    typeof view.table === 'number' &&
    (view.method === 'pca' || view.method === 'tsne' || view.method === 'umap') &&
    (view.dims === 2 || view.dims === 3)
  );
}

export function loadSavedViews(): SavedView[] {
  try {
    const parsed: unknown = JSON.parse(window.localStorage.getItem(STORAGE_KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter(isSavedView) : [];
  } catch {
    return [];
  }
}

/** Stores the list; returns an error message when storage is full or disabled. */
export function storeSavedViews(views: SavedView[]): string | null {
  try {
    window.localStorage.setItem(STORAGE_KEY, JSON.stringify(views));
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : 'Could not write to local storage';
  }
}
