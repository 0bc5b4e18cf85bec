/**
 * Which runtime a native addon (`.node` file) was built for, read from the file's bytes, and whether
 * a given runtime can load it.
 *
 * Node and Electron load an addon by looking up one exported symbol (src/node_binding.cc, DLOpen):
 * `node_register_module_v<ABI>` for an addon built against one runtime's headers (better-sqlite3), or
 * `napi_register_module_v1` for a Node-API addon (webgpu's dawn.node, tfjs-node), which every runtime
 * with Node-API loads. `<ABI>` is NODE_MODULE_VERSION: 115 for Node 20, 140 for Electron 39.
 *
 * How the symbol is found: the file is scanned for those names as NUL-terminated strings (ELF's
 * .dynstr, Mach-O's string table with its leading '_', PE's export name table all store them so),
 * rather than by parsing each format's symbol table. A name that only appeared inside some other
 * string would be missed (it must start after a NUL or '_' and end at a NUL), and an addon that
 * merely mentioned another ABI's symbol name in its data would be misread; neither happens in
 * addons built by node-gyp. The file is read in chunks and the scan stops at the first symbol found,
 * so a 20 MB ELF addon (its .dynstr sits near the start) costs a few reads.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** What an addon's exported registration symbol says about the runtime it needs. */
export type AddonAbi =
  /** Built against one runtime's headers: loads only where NODE_MODULE_VERSION equals `abi`. */
  | { kind: 'node-abi'; abi: number }
  /** A Node-API addon: loads in any runtime with Node-API (Node >= 8.11, every supported Electron). */
  | { kind: 'node-api' }
  /** Neither symbol found: not a Node addon (or a format this scan cannot read). */
  | { kind: 'unknown' };

const VERSIONED_PREFIX = 'node_register_module_v';
const NODE_API_SYMBOL = 'napi_register_module_v1';
const CHUNK_BYTES = 1 << 20;
/** Longest name the scan must see whole across a chunk boundary ('_' + prefix + digits + NUL). */
const OVERLAP_BYTES = 64;

const PREFIX_BYTES = Buffer.from(VERSIONED_PREFIX, 'latin1');
const NODE_API_BYTES = Buffer.from(`${NODE_API_SYMBOL}\0`, 'latin1');
const NUL = 0;
const UNDERSCORE = 0x5f;

function startsAName(bytes: Buffer, index: number): boolean {
  return index === 0 || bytes[index - 1] === NUL || bytes[index - 1] === UNDERSCORE;
}

/**
 * Scans one buffer for the registration symbols. Returns null when none is there (or when the only
 * candidate runs past the end of the buffer, so the caller can retry with more bytes).
 */
export function findAddonAbi(bytes: Buffer): AddonAbi | null {
  for (let at = bytes.indexOf(PREFIX_BYTES); at >= 0; at = bytes.indexOf(PREFIX_BYTES, at + 1)) {
    if (!startsAName(bytes, at)) continue;
    let end = at + PREFIX_BYTES.length;
    let digits = '';
    while (end < bytes.length && bytes[end]! >= 0x30 && bytes[end]! <= 0x39 && digits.length < 5) {
      digits += String.fromCharCode(bytes[end]!);
      end += 1;
    }
    if (digits.length > 0 && end < bytes.length && bytes[end] === NUL) return { kind: 'node-abi', abi: Number(digits) };
  }
  for (let at = bytes.indexOf(NODE_API_BYTES); at >= 0; at = bytes.indexOf(NODE_API_BYTES, at + 1)) {
    if (startsAName(bytes, at)) return { kind: 'node-api' };
  }
  return null;
}

/**
 * Reads an addon file and returns the runtime it was built for. Throws the file system's error
 * (ENOENT, EACCES) when the file cannot be read.
 */
export function readAddonAbi(file: string): AddonAbi {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(CHUNK_BYTES + OVERLAP_BYTES);
    let carried = 0;
    let position = 0;
    for (;;) {
      const read = readSync(fd, buffer, carried, CHUNK_BYTES, position);
      if (read === 0) return { kind: 'unknown' };
      position += read;
      const filled = carried + read;
      const found = findAddonAbi(buffer.subarray(0, filled));
      if (found) return found;
      // Keep the tail so a name cut by the chunk boundary is seen whole in the next round.
      carried = Math.min(OVERLAP_BYTES, filled);
      buffer.copy(buffer, 0, filled - carried, filled);
    }
  } finally {
    closeSync(fd);
  }
}

/** Short words for an AddonAbi, for messages: "ABI 115", "Node-API", "no Node registration symbol". */
export function describeAddonAbi(abi: AddonAbi): string {
  if (abi.kind === 'node-abi') return `ABI ${abi.abi}`;
  if (abi.kind === 'node-api') return 'Node-API';
  return 'no Node registration symbol';
}

/** Whether a runtime whose NODE_MODULE_VERSION is `runtimeAbi` can load an addon with this AddonAbi. */
export function loadsIn(addon: AddonAbi, runtimeAbi: number): boolean {
  return addon.kind === 'node-api' || (addon.kind === 'node-abi' && addon.abi === runtimeAbi);
}
