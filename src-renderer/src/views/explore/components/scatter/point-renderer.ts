/**
 * Drawing N points: WebGL (2, else 1) with one draw call per layer, and a Canvas 2D fallback for
 * machines without WebGL (e.g. headless browsers started with --disable-gpu).
 *
 * A layer is positions (N*3 normalised floats), colours (N*4 bytes RGBA) and sizes (N CSS px).
 * The base layer holds every point; the overlay layer (drawn last, without depth test) holds the
 * few highlighted ones so they are never hidden.
 */
import { projectToScreen } from './camera';

export interface PointLayer {
  positions: Float32Array;
  colors: Uint8Array;
  sizes: Float32Array;
}

export interface DrawOptions {
  matrix: Float32Array;
  /** CSS size of the canvas. */
  width: number;
  height: number;
  pixelRatio: number;
  /** Background RGB 0..255. */
  background: [number, number, number];
  /** Depth-test the base layer (3-D). */
  depth: boolean;
}

export interface PointRenderer {
  readonly kind: 'webgl2' | 'webgl' | 'canvas2d';
  setBase(layer: PointLayer): void;
  setOverlay(layer: PointLayer): void;
  draw(options: DrawOptions): void;
  dispose(): void;
}

const VERTEX_SHADER = `
attribute vec3 a_position;
attribute vec4 a_color;
attribute float a_size;
uniform mat4 u_matrix;
uniform float u_pixelRatio;
varying vec4 v_color;
void main() {
  vec4 clip = u_matrix * vec4(a_position, 1.0);
  gl_Position = clip;
  gl_PointSize = clamp(a_size * u_pixelRatio / max(clip.w, 0.2), 1.0, 64.0);
  v_color = a_color;
}`;

const FRAGMENT_SHADER = `
precision mediump float;
varying vec4 v_color;
void main() {
  vec2 offset = gl_PointCoord - vec2(0.5);
  float radius = length(offset);
  if (radius > 0.5) discard;
  float edge = smoothstep(0.5, 0.4, radius);
  gl_FragColor = vec4(v_color.rgb, v_color.a * edge);
}`;

/** Picks WebGL2, then WebGL1, then Canvas 2D. preserveDrawingBuffer keeps PNG export possible. */
export function createPointRenderer(canvas: HTMLCanvasElement): PointRenderer {
  const attributes: WebGLContextAttributes = { preserveDrawingBuffer: true, antialias: false, alpha: false, depth: true };
  const gl2 = canvas.getContext('webgl2', attributes);
  if (gl2) return new WebGlPointRenderer(gl2, 'webgl2');
  const gl1 = canvas.getContext('webgl', attributes);
  if (gl1) return new WebGlPointRenderer(gl1, 'webgl');
  const context2d = canvas.getContext('2d');
  if (!context2d) throw new Error('This browser offers neither WebGL nor a 2-D canvas.');
  return new CanvasPointRenderer(canvas, context2d);
}

type GlContext = WebGLRenderingContext | WebGL2RenderingContext;

interface GlLayer {
  position: WebGLBuffer;
  color: WebGLBuffer;
  size: WebGLBuffer;
  count: number;
}

class WebGlPointRenderer implements PointRenderer {
  readonly kind: 'webgl2' | 'webgl';
  private readonly gl: GlContext;
  private readonly program: WebGLProgram;
  private readonly base: GlLayer;
  private readonly overlay: GlLayer;
  private readonly locations: { position: number; color: number; size: number; matrix: WebGLUniformLocation | null; pixelRatio: WebGLUniformLocation | null };

  constructor(gl: GlContext, kind: 'webgl2' | 'webgl') {
    this.gl = gl;
    this.kind = kind;
    this.program = linkProgram(gl, VERTEX_SHADER, FRAGMENT_SHADER);
    this.locations = {
      position: gl.getAttribLocation(this.program, 'a_position'),
      color: gl.getAttribLocation(this.program, 'a_color'),
      size: gl.getAttribLocation(this.program, 'a_size'),
      matrix: gl.getUniformLocation(this.program, 'u_matrix'),
      pixelRatio: gl.getUniformLocation(this.program, 'u_pixelRatio'),
    };
    this.base = this.createLayer();
    this.overlay = this.createLayer();
  }

  private createLayer(): GlLayer {
    const { gl } = this;
    const make = () => {
      const buffer = gl.createBuffer();
      if (!buffer) throw new Error('WebGL could not create a buffer');
      return buffer;
    };
    return { position: make(), color: make(), size: make(), count: 0 };
  }

  private upload(target: GlLayer, layer: PointLayer): void {
    const { gl } = this;
    gl.bindBuffer(gl.ARRAY_BUFFER, target.position);
    gl.bufferData(gl.ARRAY_BUFFER, layer.positions, gl.DYNAMIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, target.color);
    gl.bufferData(gl.ARRAY_BUFFER, layer.colors, gl.DYNAMIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, target.size);
    gl.bufferData(gl.ARRAY_BUFFER, layer.sizes, gl.DYNAMIC_DRAW);
    target.count = layer.sizes.length;
  }

  setBase(layer: PointLayer): void {
    this.upload(this.base, layer);
  }

  setOverlay(layer: PointLayer): void {
    this.upload(this.overlay, layer);
  }

  private drawLayer(layer: GlLayer): void {
    if (layer.count === 0) return;
    const { gl, locations } = this;
    gl.bindBuffer(gl.ARRAY_BUFFER, layer.position);
    gl.enableVertexAttribArray(locations.position);
    gl.vertexAttribPointer(locations.position, 3, gl.FLOAT, false, 0, 0);
    gl.bindBuffer(gl.ARRAY_BUFFER, layer.color);
    gl.enableVertexAttribArray(locations.color);
    gl.vertexAttribPointer(locations.color, 4, gl.UNSIGNED_BYTE, true, 0, 0);
    gl.bindBuffer(gl.ARRAY_BUFFER, layer.size);
    gl.enableVertexAttribArray(locations.size);
    gl.vertexAttribPointer(locations.size, 1, gl.FLOAT, false, 0, 0);
    gl.drawArrays(gl.POINTS, 0, layer.count);
  }

  draw(options: DrawOptions): void {
    const { gl } = this;
    const canvas = gl.canvas as HTMLCanvasElement;
    const pixelWidth = Math.max(1, Math.round(options.width * options.pixelRatio));
    const pixelHeight = Math.max(1, Math.round(options.height * options.pixelRatio));
    if (canvas.width !== pixelWidth || canvas.height !== pixelHeight) {
      canvas.width = pixelWidth;
      canvas.height = pixelHeight;
    }
    gl.viewport(0, 0, pixelWidth, pixelHeight);
    const [r, g, b] = options.background;
    gl.clearColor(r / 255, g / 255, b / 255, 1);
    gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
    gl.useProgram(this.program);
    gl.uniformMatrix4fv(this.locations.matrix, false, options.matrix);
    gl.uniform1f(this.locations.pixelRatio, options.pixelRatio);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
    if (options.depth) {
      gl.enable(gl.DEPTH_TEST);
      gl.depthFunc(gl.LEQUAL);
    } else {
      gl.disable(gl.DEPTH_TEST);
    }
    this.drawLayer(this.base);
    gl.disable(gl.DEPTH_TEST);
    this.drawLayer(this.overlay);
  }

  dispose(): void {
    const { gl } = this;
    for (const layer of [this.base, this.overlay]) {
      gl.deleteBuffer(layer.position);
      gl.deleteBuffer(layer.color);
      gl.deleteBuffer(layer.size);
    }
    gl.deleteProgram(this.program);
  }
}

function linkProgram(gl: GlContext, vertexSource: string, fragmentSource: string): WebGLProgram {
  const compile = (type: number, source: string) => {
    const shader = gl.createShader(type);
    if (!shader) throw new Error('WebGL could not create a shader');
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) {
      throw new Error(`WebGL shader failed to compile: ${gl.getShaderInfoLog(shader) ?? ''}`);
    }
    return shader;
  };
  const program = gl.createProgram();
  if (!program) throw new Error('WebGL could not create a program');
  gl.attachShader(program, compile(gl.VERTEX_SHADER, vertexSource));
  gl.attachShader(program, compile(gl.FRAGMENT_SHADER, fragmentSource));
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) {
    throw new Error(`WebGL program failed to link: ${gl.getProgramInfoLog(program) ?? ''}`);
  }
  return program;
}

/** Fallback: projects on the CPU and draws squares (small points) or discs (large ones). */
class CanvasPointRenderer implements PointRenderer {
  readonly kind = 'canvas2d' as const;
  private base: PointLayer | null = null;
  private overlay: PointLayer | null = null;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly context: CanvasRenderingContext2D,
  ) {}

  setBase(layer: PointLayer): void {
    this.base = layer;
  }

  setOverlay(layer: PointLayer): void {
    this.overlay = layer;
  }

  draw(options: DrawOptions): void {
    const { canvas, context } = this;
    const pixelWidth = Math.max(1, Math.round(options.width * options.pixelRatio));
    const pixelHeight = Math.max(1, Math.round(options.height * options.pixelRatio));
    if (canvas.width !== pixelWidth || canvas.height !== pixelHeight) {
      canvas.width = pixelWidth;
      canvas.height = pixelHeight;
    }
    context.setTransform(options.pixelRatio, 0, 0, options.pixelRatio, 0, 0);
    const [r, g, b] = options.background;
    context.fillStyle = `rgb(${r}, ${g}, ${b})`;
    context.fillRect(0, 0, options.width, options.height);
    for (const layer of [this.base, this.overlay]) {
      if (!layer) continue;
      const screen = projectToScreen(layer.positions, options.matrix, options.width, options.height);
      const order = layer === this.base && options.depth ? depthOrder(layer.positions, options.matrix) : null;
      const count = layer.sizes.length;
      for (let k = 0; k < count; k += 1) {
        const i = order ? order[k] : k;
        const x = screen[i * 2];
        const y = screen[i * 2 + 1];
        if (Number.isNaN(x)) continue;
        const size = layer.sizes[i];
        context.fillStyle = `rgba(${layer.colors[i * 4]}, ${layer.colors[i * 4 + 1]}, ${layer.colors[i * 4 + 2]}, ${layer.colors[i * 4 + 3] / 255})`;
        if (size <= 4) {
          context.fillRect(x - size / 2, y - size / 2, size, size);
        } else {
          context.beginPath();
          context.arc(x, y, size / 2, 0, Math.PI * 2);
          context.fill();
        }
      }
    }
  }

  dispose(): void {
    this.base = null;
    this.overlay = null;
  }
}

/** Indices sorted far to near (painter's algorithm) for the 2-D canvas in 3-D. */
function depthOrder(positions: Float32Array, matrix: Float32Array): Uint32Array {
  const count = positions.length / 3;
  const depth = new Float32Array(count);
  for (let i = 0; i < count; i += 1) {
    depth[i] = matrix[2] * positions[i * 3] + matrix[6] * positions[i * 3 + 1] + matrix[10] * positions[i * 3 + 2];
  }
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i += 1) order[i] = i;
  return order.sort((a, b) => depth[b] - depth[a]);
}
