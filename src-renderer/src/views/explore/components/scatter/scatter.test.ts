import { describe, expect, it } from 'vitest';
import { cameraMatrix, defaultCamera, normalizePositions, panBy, projectToScreen, screenToData, zoomAt } from './camera';
import { GridIndex } from './grid-index';

/** Deterministic pseudo-random numbers (LCG) so the test data is the same every run. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

describe('GridIndex', () => {
  it('finds the same nearest point as a brute-force scan', () => {
    const random = lcg(7);
    const count = 3000;
    const xy = new Float32Array(count * 2);
    for (let i = 0; i < xy.length; i += 1) xy[i] = random() * 10 - 5;
    const grid = new GridIndex(xy);
    for (let query = 0; query < 200; query += 1) {
      const x = random() * 12 - 6;
      const y = random() * 12 - 6;
      const radius = 0.3;
      let best = -1;
      let bestDistance = radius * radius;
      for (let i = 0; i < count; i += 1) {
        const distance = (xy[i * 2] - x) ** 2 + (xy[i * 2 + 1] - y) ** 2;
        if (distance <= bestDistance) {
          bestDistance = distance;
          best = i;
        }
      }
      const found = grid.nearest(x, y, radius);
      // Ties are possible only for identical distances; compare distances, not indices.
      if (best === -1) expect(found).toBe(-1);
      else expect((xy[found * 2] - x) ** 2 + (xy[found * 2 + 1] - y) ** 2).toBeCloseTo(bestDistance, 10);
    }
  });

  it('skips NaN points and honours the accept filter', () => {
    const grid = new GridIndex(new Float32Array([0, 0, Number.NaN, Number.NaN, 1, 0]));
    expect(grid.nearest(0.1, 0, 5)).toBe(0);
    expect(grid.nearest(0.1, 0, 5, (index) => index !== 0)).toBe(2);
  });
});

describe('camera', () => {
  it('normalises into [-1, 1] keeping the aspect of the data', () => {
    // x spans 0..4 and y 0..2: the larger half-range (2) scales both, so y lands in [-0.5, 0.5].
    const out = normalizePositions(new Float32Array([0, 0, 4, 2]), 2, 2);
    expect(Array.from(out)).toEqual([-1, -0.5, 0, 1, 0.5, 0]);
  });

  it('inverts its own 2-D projection, after pan and zoom', () => {
    const width = 800;
    const height = 500;
    let camera = defaultCamera(2);
    camera = panBy(camera, width, height, 40, -25);
    camera = zoomAt(camera, width, height, 300, 200, 2.5);
    const point = new Float32Array([0.3, -0.7, 0]);
    const [sx, sy] = projectToScreen(point, cameraMatrix(camera, width, height), width, height);
    const [x, y] = screenToData(camera, width, height, sx, sy);
    expect(x).toBeCloseTo(0.3, 5);
    expect(y).toBeCloseTo(-0.7, 5);
  });

  it('keeps the point under the pointer fixed while zooming', () => {
    const width = 640;
    const height = 480;
    const before = defaultCamera(2);
    const anchor = screenToData(before, width, height, 100, 120);
    const after = zoomAt(before, width, height, 100, 120, 3);
    const [x, y] = screenToData(after, width, height, 100, 120);
    expect(x).toBeCloseTo(anchor[0], 5);
    expect(y).toBeCloseTo(anchor[1], 5);
  });

  it('puts the centre of the cube at the centre of the canvas in 3-D', () => {
    const camera = defaultCamera(3);
    const [x, y] = projectToScreen(new Float32Array([0, 0, 0]), cameraMatrix(camera, 400, 300), 400, 300);
    expect(x).toBeCloseTo(200, 4);
    expect(y).toBeCloseTo(150, 4);
  });
});
