/**
 * How the embedding kernels store table numbers on the device: float32, or 16 bits a number (fp16 or
 * bf16, four numbers a vec2<u32>, little-endian halves as a host Uint16Array holds them) decoded to
 * float32 where read and rounded back to nearest even where written, the rounding the host's
 * HalfPrecisionBags uses (engine/model/compressed-embedding.ts).
 */

/** How table numbers are stored on the device. */
export type TableStorage = 'f32' | 'fp16' | 'bf16';

/** Vector width of the row kernels: vec4 when D is a multiple of 4. */
export function rowVector(dim: number): { width: number; type: string; count: number } {
  return dim % 4 === 0 ? { width: 4, type: 'vec4<f32>', count: dim / 4 } : { width: 1, type: 'f32', count: dim };
}

/**
 * How the kernels read and write a table chunk: its WGSL element type (one element per row vector of
 * rowVector(D)), helper functions, and the expressions that decode an element to float32 and encode
 * one back. 16-bit storage packs 4 numbers in a vec2<u32> (little-endian halves, as a host Uint16Array).
 */
export function chunkAccess(layout: { dim: number; storage: TableStorage }): { type: string; helpers: string; read(element: string): string; write(element: string, value: string): string } {
  if (layout.storage === 'f32') {
    return { type: rowVector(layout.dim).type, helpers: '', read: (e) => e, write: (e, v) => `${e} = ${v};` };
  }
  const helpers =
    layout.storage === 'fp16'
      ? /* wgsl */ `
fn decodeRow(p: vec2<u32>) -> vec4<f32> { return vec4<f32>(unpack2x16float(p.x), unpack2x16float(p.y)); }
// WGSL leaves pack2x16float's rounding to the implementation (Tint's constant folding truncates, for
// one): the host's round-to-nearest-even, written out, so every adapter stores what HalfPrecisionBags would
fn halfBits(x: f32) -> u32 {
  let b = bitcast<u32>(x);
  let sign = (b >> 16u) & 0x8000u;
  let exponent = i32((b >> 23u) & 0xffu);
  var mantissa = b & 0x7fffffu;
  if (exponent == 255) { return sign | 0x7c00u | select(0u, 0x200u, mantissa != 0u); }
  let e = exponent - 112;
  if (e >= 31) { return sign | 0x7c00u; }
  if (e <= 0) {
    if (e < -10) { return sign; }
    mantissa = mantissa | 0x800000u;
    let shift = u32(14 - e);
    var subnormal = mantissa >> shift;
    let rest = mantissa & ((1u << shift) - 1u);
    let halfway = 1u << (shift - 1u);
    if (rest > halfway || (rest == halfway && (subnormal & 1u) == 1u)) { subnormal = subnormal + 1u; }
    return sign | subnormal;
  }
  var half = (u32(e) << 10u) | (mantissa >> 13u);
  let rest = mantissa & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u) == 1u)) { half = half + 1u; }
  return sign | half;
}
fn encodeRow(x: vec4<f32>) -> vec2<u32> {
  return vec2<u32>(halfBits(x.x) | (halfBits(x.y) << 16u), halfBits(x.z) | (halfBits(x.w) << 16u));
}`
      : /* wgsl */ `
fn decodeRow(p: vec2<u32>) -> vec4<f32> {
  return vec4<f32>(bitcast<f32>(p.x << 16u), bitcast<f32>(p.x & 0xffff0000u), bitcast<f32>(p.y << 16u), bitcast<f32>(p.y & 0xffff0000u));
}
fn bfloatBits(x: f32) -> u32 {
  let b = bitcast<u32>(x);
  return (b + 0x7fffu + ((b >> 16u) & 1u)) >> 16u;
}
fn encodeRow(x: vec4<f32>) -> vec2<u32> {
  return vec2<u32>(bfloatBits(x.x) | (bfloatBits(x.y) << 16u), bfloatBits(x.z) | (bfloatBits(x.w) << 16u));
}`;
  return { type: 'vec2<u32>', helpers, read: (e) => `decodeRow(${e})`, write: (e, v) => `${e} = encodeRow(${v});` };
}
