/**
 * The binary container of checkpoints and saved models:
 *   bytes 0..7    magic "DLRMSTD1"
 *   bytes 8..11   header length H (uint32, little-endian)
 *   bytes 12..    H bytes of UTF-8 JSON: { format, version, meta, arrays: [{ name, length, offset }] }
 *   then          raw little-endian float32 arrays; offset is in bytes from the start of the data block,
 *                 which begins at 12 + H rounded up to a multiple of 8.
 * Written to a temporary file and renamed, so a crash never leaves a half-written file under the name.
 * Arrays are written and read one by one: no second copy of the tables in memory.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';

const MAGIC = 'DLRMSTD1';

export interface NamedArray {
  name: string;
  data: Float32Array;
}

interface Header<M> {
  format: string;
  version: number;
  meta: M;
  arrays: { name: string; length: number; offset: number }[];
}

function requireLittleEndian(): void {
  if (os.endianness() !== 'LE') throw new Error('tensor files are little-endian; this machine is big-endian');
}

export function writeTensorFile<M>(path: string, format: string, meta: M, arrays: NamedArray[]): number {
  requireLittleEndian();
  let offset = 0;
  const entries = arrays.map((a) => {
    const entry = { name: a.name, length: a.data.length, offset };
    offset += a.data.byteLength;
    return entry;
  });
  const header: Header<M> = { format, version: 1, meta, arrays: entries };
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
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path);
  return dataStart + offset;
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
    if (header.version !== 1) throw new Error(`${path} has version ${header.version}; this build reads version 1`);
    const dataStart = Math.ceil((12 + headerLength) / 8) * 8;
    const arrays = new Map<string, Float32Array>();
    for (const entry of header.arrays) {
      const data = new Float32Array(entry.length);
      const bytes = new Uint8Array(data.buffer);
      const position = dataStart + entry.offset;
      if (position + bytes.length > size) throw new Error(`${path} is truncated (array ${entry.name})`);
      let read = 0;
      while (read < bytes.length) {
        const n = fs.readSync(fd, bytes, read, Math.min(bytes.length - read, 1 << 26), position + read);
        if (n <= 0) throw new Error(`${path} is truncated (array ${entry.name})`);
        read += n;
      }
      arrays.set(entry.name, data);
    }
    return { format: header.format, meta: header.meta, arrays };
  } finally {
    fs.closeSync(fd);
  }
}
