/**
 * A uniform grid over 2-D points for nearest-point picking: O(N) to build, and a query only looks at
 * the cells within the search radius. Built on data coordinates in 2-D and on screen coordinates in 3-D.
 */
export class GridIndex {
  private readonly xs: Float32Array;
  private readonly ys: Float32Array;
  private readonly minX: number;
  private readonly minY: number;
  private readonly cellSize: number;
  private readonly columns: number;
  private readonly rows: number;
  /** cellStart[c] .. cellStart[c + 1] index into cellItems. */
  private readonly cellStart: Int32Array;
  private readonly cellItems: Int32Array;

  /**
   * @param xy interleaved [x0, y0, x1, y1, ...]; NaN points are left out.
   * @param targetPerCell average points per cell the grid aims for.
   */
  constructor(xy: Float32Array, targetPerCell = 4) {
    const count = xy.length / 2;
    this.xs = new Float32Array(count);
    this.ys = new Float32Array(count);
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    let valid = 0;
    for (let i = 0; i < count; i += 1) {
      const x = xy[i * 2];
      const y = xy[i * 2 + 1];
      this.xs[i] = x;
      this.ys[i] = y;
      if (Number.isNaN(x) || Number.isNaN(y)) continue;
      valid += 1;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
    if (valid === 0) {
      minX = 0;
      minY = 0;
      maxX = 1;
      maxY = 1;
    }
    const width = Math.max(maxX - minX, 1e-9);
    const height = Math.max(maxY - minY, 1e-9);
    const cells = Math.max(1, Math.ceil(valid / targetPerCell));
    this.cellSize = Math.max(Math.sqrt((width * height) / cells), Math.max(width, height) / 4096);
    this.columns = Math.floor(width / this.cellSize) + 1;
    this.rows = Math.floor(height / this.cellSize) + 1;
    this.minX = minX;
    this.minY = minY;
    const cellOf = new Int32Array(count);
    const counts = new Int32Array(this.columns * this.rows + 1);
    for (let i = 0; i < count; i += 1) {
      if (Number.isNaN(this.xs[i]) || Number.isNaN(this.ys[i])) {
        cellOf[i] = -1;
        continue;
      }
      const cell = this.cellIndex(this.xs[i], this.ys[i]);
      cellOf[i] = cell;
      counts[cell + 1] += 1;
    }
    for (let c = 1; c < counts.length; c += 1) counts[c] += counts[c - 1];
    this.cellStart = counts;
    this.cellItems = new Int32Array(valid);
    const fill = counts.slice(0, counts.length - 1);
    for (let i = 0; i < count; i += 1) {
      const cell = cellOf[i];
      if (cell >= 0) this.cellItems[fill[cell]++] = i;
    }
  }

  private cellIndex(x: number, y: number): number {
    const column = Math.min(this.columns - 1, Math.max(0, Math.floor((x - this.minX) / this.cellSize)));
    const row = Math.min(this.rows - 1, Math.max(0, Math.floor((y - this.minY) / this.cellSize)));
    return row * this.columns + column;
  }

  /** Index of the nearest point within maxDistance of (x, y), or -1. `accept` can skip points. */
  nearest(x: number, y: number, maxDistance: number, accept?: (index: number) => boolean): number {
    const reach = Math.ceil(maxDistance / this.cellSize);
    const centreColumn = Math.floor((x - this.minX) / this.cellSize);
    const centreRow = Math.floor((y - this.minY) / this.cellSize);
    let best = -1;
    let bestDistance = maxDistance * maxDistance;
    for (let row = Math.max(0, centreRow - reach); row <= Math.min(this.rows - 1, centreRow + reach); row += 1) {
      for (let column = Math.max(0, centreColumn - reach); column <= Math.min(this.columns - 1, centreColumn + reach); column += 1) {
        const cell = row * this.columns + column;
        for (let k = this.cellStart[cell]; k < this.cellStart[cell + 1]; k += 1) {
          const index = this.cellItems[k];
          const dx = this.xs[index] - x;
          const dy = this.ys[index] - y;
          const distance = dx * dx + dy * dy;
          if (distance <= bestDistance && (accept === undefined || accept(index))) {
            bestDistance = distance;
            best = index;
          }
        }
      }
    }
    return best;
  }
}
