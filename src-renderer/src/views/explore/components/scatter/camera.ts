/**
 * The scatter plot's camera: zoom and pan (2-D), plus yaw/pitch rotation and an optional perspective
 * (3-D). Points are first normalised into the cube [-1, 1]^3 (see normalizePositions), so the camera
 * never depends on the data's units.
 */

export interface CameraState {
  zoom: number;
  /** Pan in normalised plot units (added after zoom). */
  panX: number;
  panY: number;
  /** Rotation about the vertical axis, radians (3-D only). */
  yaw: number;
  /** Rotation about the horizontal axis, radians (3-D only). */
  pitch: number;
  perspective: boolean;
}

export function defaultCamera(dims: 2 | 3): CameraState {
  return dims === 3
    ? { zoom: 0.85, panX: 0, panY: 0, yaw: 0.6, pitch: 0.35, perspective: true }
    : { zoom: 1, panX: 0, panY: 0, yaw: 0, pitch: 0, perspective: false };
}

/** Distance of the eye from the centre in perspective mode (normalised units). */
const EYE_DISTANCE = 3.5;
/** Margin so the normalised cube does not touch the canvas edge. */
const FIT = 0.92;

/**
 * Points of N rows with `dims` coordinates each (row-major) centred and scaled into [-1, 1]^3.
 * Returns N*3 floats (z = 0 in 2-D).
 */
export function normalizePositions(coords: ArrayLike<number>, count: number, dims: 2 | 3): Float32Array {
  const out = new Float32Array(count * 3);
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < count; i += 1) {
    for (let d = 0; d < dims; d += 1) {
      const value = coords[i * dims + d];
      if (value < min[d]) min[d] = value;
      if (value > max[d]) max[d] = value;
    }
  }
  const centre = [0, 0, 0];
  let half = 0;
  for (let d = 0; d < dims; d += 1) {
    if (!Number.isFinite(min[d])) continue;
    centre[d] = (min[d] + max[d]) / 2;
    half = Math.max(half, (max[d] - min[d]) / 2);
  }
  const scale = half > 0 ? 1 / half : 1;
  for (let i = 0; i < count; i += 1) {
    for (let d = 0; d < dims; d += 1) out[i * 3 + d] = (coords[i * dims + d] - centre[d]) * scale;
  }
  return out;
}

/**
 * Column-major 4x4 matrix (as WebGL wants it) taking a normalised point to clip space for a canvas of
 * the given CSS size. x_clip = sx (zoom R0.p + panX w), w = 1 - (R2.p) / EYE_DISTANCE with perspective.
 */
export function cameraMatrix(camera: CameraState, width: number, height: number): Float32Array {
  const aspect = width / Math.max(1, height);
  const sx = (aspect > 1 ? 1 / aspect : 1) * FIT;
  const sy = (aspect > 1 ? 1 : aspect) * FIT;
  const cy = Math.cos(camera.yaw);
  const syaw = Math.sin(camera.yaw);
  const cp = Math.cos(camera.pitch);
  const sp = Math.sin(camera.pitch);
  // R = Rx(pitch) * Ry(yaw), rows R0, R1, R2 (R2 points toward the viewer).
  const r0 = [cy, 0, syaw];
  const r1 = [sp * syaw, cp, -sp * cy];
  const r2 = [-cp * syaw, sp, cp * cy];
  const persp = camera.perspective ? 1 / EYE_DISTANCE : 0;
  const rowW = [-persp * r2[0], -persp * r2[1], -persp * r2[2], 1];
  const rowX = [0, 1, 2].map((k) => sx * (camera.zoom * r0[k] + camera.panX * rowW[k]));
  rowX.push(sx * camera.panX);
  const rowY = [0, 1, 2].map((k) => sy * (camera.zoom * r1[k] + camera.panY * rowW[k]));
  rowY.push(sy * camera.panY);
  // Depth: nearer points (larger R2.p) get smaller depth; kept well inside [-1, 1].
  const rowZ = [-0.25 * r2[0], -0.25 * r2[1], -0.25 * r2[2], 0];
  const rows = [rowX, rowY, rowZ, rowW];
  const matrix = new Float32Array(16);
  for (let row = 0; row < 4; row += 1) {
    for (let col = 0; col < 4; col += 1) matrix[col * 4 + row] = rows[row][col];
  }
  return matrix;
}

/**
 * Screen positions (CSS px, origin top-left) of normalised points under a matrix: [x0, y0, x1, y1, ...].
 * Points behind the eye get NaN.
 */
export function projectToScreen(positions: Float32Array, matrix: Float32Array, width: number, height: number): Float32Array {
  const count = positions.length / 3;
  const out = new Float32Array(count * 2);
  for (let i = 0; i < count; i += 1) {
    const x = positions[i * 3];
    const y = positions[i * 3 + 1];
    const z = positions[i * 3 + 2];
    const w = matrix[3] * x + matrix[7] * y + matrix[11] * z + matrix[15];
    if (w <= 1e-6) {
      out[i * 2] = Number.NaN;
      out[i * 2 + 1] = Number.NaN;
      continue;
    }
    const cx = (matrix[0] * x + matrix[4] * y + matrix[8] * z + matrix[12]) / w;
    const cyClip = (matrix[1] * x + matrix[5] * y + matrix[9] * z + matrix[13]) / w;
    out[i * 2] = (cx * 0.5 + 0.5) * width;
    out[i * 2 + 1] = (0.5 - cyClip * 0.5) * height;
  }
  return out;
}

/** 2-D only: the normalised data point under a screen position (inverse of the affine 2-D camera). */
export function screenToData(camera: CameraState, width: number, height: number, px: number, py: number): [number, number] {
  const aspect = width / Math.max(1, height);
  const sx = (aspect > 1 ? 1 / aspect : 1) * FIT;
  const sy = (aspect > 1 ? 1 : aspect) * FIT;
  const clipX = (px / width) * 2 - 1;
  const clipY = 1 - (py / height) * 2;
  return [(clipX / sx - camera.panX) / camera.zoom, (clipY / sy - camera.panY) / camera.zoom];
}

/** 2-D only: how many CSS px one normalised unit spans horizontally. */
export function pixelsPerUnit(camera: CameraState, width: number, height: number): number {
  const aspect = width / Math.max(1, height);
  const sx = (aspect > 1 ? 1 / aspect : 1) * FIT;
  return (sx * camera.zoom * width) / 2;
}

/** Zooms by `factor` keeping the 2-D point under (px, py) in place. */
export function zoomAt(camera: CameraState, width: number, height: number, px: number, py: number, factor: number): CameraState {
  const zoom = Math.min(500, Math.max(0.05, camera.zoom * factor));
  if (camera.perspective || camera.yaw !== 0 || camera.pitch !== 0) return { ...camera, zoom };
  const [dx, dy] = screenToData(camera, width, height, px, py);
  // Keep (dx, dy) under the pointer: clip/s = zoom d + pan stays equal.
  return {
    ...camera,
    zoom,
    panX: camera.panX + dx * (camera.zoom - zoom),
    panY: camera.panY + dy * (camera.zoom - zoom),
  };
}

/** Pans by a drag of (dx, dy) CSS px. */
export function panBy(camera: CameraState, width: number, height: number, dx: number, dy: number): CameraState {
  const aspect = width / Math.max(1, height);
  const sx = (aspect > 1 ? 1 / aspect : 1) * FIT;
  const sy = (aspect > 1 ? 1 : aspect) * FIT;
  return { ...camera, panX: camera.panX + (dx / width) * 2 / sx, panY: camera.panY - (dy / height) * 2 / sy };
}

/** Rotates by a drag of (dx, dy) CSS px (3-D). */
export function rotateBy(camera: CameraState, dx: number, dy: number): CameraState {
  const pitch = Math.max(-Math.PI / 2, Math.min(Math.PI / 2, camera.pitch + dy * 0.01));
  return { ...camera, yaw: camera.yaw + dx * 0.01, pitch };
}
