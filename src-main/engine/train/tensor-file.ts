/**
 * The binary container of checkpoints and saved models:
 *   bytes 0..7    magic "DLRMSTD1"
 *   bytes 8..11   header length H (uint32, little-endian)
 *   bytes 12..    H bytes of UTF-8 JSON: { format, version, meta, arrays: [{ name, length, offset }] }
 *   then          raw little-endian arrays: float32, or 16-bit table numbers (an entry with `encoding`
 *                 fp16 or bf16: the bits as HalfPrecisionBags stores them, read back as float32);
 *                 offset is in bytes from the start of the data block, which begins at 12 + H rounded
 *                 up to a multiple of 8. Version 2 when any array is 16-bit (version 1 readers would
 *                 misread those), else 1.
 * Written to a temporary file and renamed, so a crash never leaves a half-written file under the name.
 * Arrays are written and read one by one: no second copy of the tables in memory.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { decodeBits, HalfPrecisionBags } from '../model/compressed-embedding';
import type { EmbeddingTables } from '../model/embedding-tables';

const MAGIC = 'DLRMSTD1';

/** An array to write: float32, or 16-bit numbers with their encoding. */
export type NamedArray = { name: string; data: Float32Array } | { name: string; data: Uint16Array; encoding: 'fp16' | 'bf16' };

interface Header<M> {
  format: string;
  version: number;
  meta: M;
  arrays: { name: string; length: number; offset: number; encoding?: 'fp16' | 'bf16' }[];
}

function requireLittleEndian(): void {
  if (os.endianness() !== 'LE') throw new Error('tensor files are little-endian; this machine is big-endian');
}

export function writeTensorFile<M>(path: string, format: string, meta: M, arrays: NamedArray[]): number {
  requireLittleEndian();
  let offset = 0;
  const entries = arrays.map((a) => {
    const entry: Header<M>['arrays'][number] = { name: a.name, length: a.data.length, offset };
    if ('encoding' in a) entry.encoding = a.encoding;
    // 16-bit arrays are padded to 4 bytes so every array starts aligned
    offset += Math.ceil(a.data.byteLength / 4) * 4;
    return entry;
  });
  const version = entries.some((e) => e.encoding) ? 2 : 1;
  const header: Header<M> = { format, version, meta, arrays: entries };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const dataStart = Math.ceil((12 + headerBytes.length) / 8) * 8;
  const prefix = Buffer.alloc(dataStart);
  prefix.write(MAGIC, 0, 'ascii');
  prefix.writeUInt32LE(headerBytes.length, 8);
  headerBytes.copy(prefix, 12);
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, prefix);
    for (const a of arrays) {
      // write in 64 MiB slices (writeSync caps one call at 2 GiB)
      const bytes = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
      for (let s = 0; s < bytes.length; s += 1 << 26) fs.writeSync(fd, bytes.subarray(s, Math.min(bytes.length, s + (1 << 26))));
      const padding = Math.ceil(bytes.length / 4) * 4 - bytes.length;
      if (padding > 0) fs.writeSync(fd, new Uint8Array(padding));
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path);
  return dataStart + offset;
}

/**
 * A model's tables as the arrays to write, named `${prefix}/${i}`: 16-bit tables (HalfPrecisionBags)
 * as their stored bits (half the bytes, and no float32 copy of the tables in memory while saving),
 * the others as their float32 arrays.
 */
export function tableArrays(embeddings: EmbeddingTables, prefix: string): NamedArray[] {
  if (embeddings instanceof HalfPrecisionBags) {
    const encoding = embeddings.precision;
    return embeddings.stored.map((data, i) => ({ name: `${prefix}/${i}`, data, encoding }));
  }
  return embeddings.tables.map((data, i) => ({ name: `${prefix}/${i}`, data }));
}

export interface TensorFile<M> {
  format: string;
  meta: M;
  arrays: Map<string, Float32Array>;
}

/**
 * Reads a tensor file.
 * @param expectedFormat refuse files of another format with a clear message.
 */
export function readTensorFile<M>(path: string, expectedFormat: string): TensorFile<M> {
  requireLittleEndian();
  const fd = fs.openSync(path, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const start = Buffer.alloc(12);
    if (size < 12 || fs.readSync(fd, start, 0, 12, 0) !== 12 || start.toString('ascii', 0, 8) !== MAGIC) {
      throw new Error(`${path} is not a DLRM Studio ${expectedFormat} file`);
    }
    const headerLength = start.readUInt32LE(8);
    if (12 + headerLength > size) throw new Error(`${path} is truncated (header)`);
    const headerBytes = Buffer.alloc(headerLength);
    fs.readSync(fd, headerBytes, 0, headerLength, 12);
    const header = JSON.parse(headerBytes.toString('utf8')) as Header<M>;
    if (header.format !== expectedFormat) throw new Error(`${path} is a ${header.format} file, not a ${expectedFormat}`);
    if (header.version !== 1 && header.version !== 2) throw new Error(`${path} has version ${header.version}; this build reads versions 1 and 2`);
    const dataStart = Math.ceil((12 + headerLength) / 8) * 8;
    const arrays = new Map<string, Float32Array>();
    for (const entry of header.arrays) {
      if (entry.encoding !== undefined && entry.encoding !== 'fp16' && entry.encoding !== 'bf16') throw new Error(`${path}: array ${entry.name} has an unknown encoding "${String(entry.encoding)}"`);
      const stored = entry.encoding ? new Uint16Array(entry.length) : new Float32Array(entry.length);
      const bytes = new Uint8Array(stored.buffer);
      const position = dataStart + entry.offset;
      if (position + bytes.length > size) throw new Error(`${path} is truncated (array ${entry.name})`);
      let read = 0;
      while (read < bytes.length) {
        const n = fs.readSync(fd, bytes, read, Math.min(bytes.length - read, 1 << 26), position + read);
        if (n <= 0) throw new Error(`${path} is truncated (array ${entry.name})`);
        read += n;
      }
      arrays.set(entry.name, stored instanceof Float32Array ? stored : decodeBits(stored, entry.encoding ?? 'fp16'));
    }
    return { format: header.format, meta: header.meta, arrays };
  } finally {
    fs.closeSync(fd);
  }
}

