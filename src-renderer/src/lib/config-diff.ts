/** Flattening of nested configurations into dotted paths, and the keys on which several configs differ. */

export type FlatValue = string | number | boolean | null;

/** `{ model: { embeddingDim: 16 } }` -> `{ 'model.embeddingDim': 16 }`. Arrays become JSON text. */
export function flattenConfig(value: unknown, prefix = ''): Record<string, FlatValue> {
  const out: Record<string, FlatValue> = {};
  visit(value, prefix, out);
  return out;
}

function visit(value: unknown, path: string, out: Record<string, FlatValue>): void {
  if (value === null || value === undefined) {
    if (path) out[path] = null;
    return;
  }
  if (Array.isArray(value)) {
    out[path] = JSON.stringify(value);
    return;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && path) out[path] = '{}';
    for (const [key, child] of entries) visit(child, path ? `${path}.${key}` : key, out);
    return;
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    out[path] = value;
    return;
  }
  out[path] = String(value);
}

export interface ConfigDifference {
  key: string;
  /** One value per config, in the order given; null where the key is absent. */
  values: FlatValue[];
}

/** Keys (sorted) whose values are not all equal across the given configs. */
export function diffConfigs(configs: readonly unknown[]): ConfigDifference[] {
  const flat = configs.map((config) => flattenConfig(config));
  const keys = new Set<string>();
  for (const entry of flat) for (const key of Object.keys(entry)) keys.add(key);
  const differences: ConfigDifference[] = [];
  for (const key of [...keys].sort()) {
    const values = flat.map((entry) => (key in entry ? entry[key] : null));
    if (values.some((value) => value !== values[0])) differences.push({ key, values });
  }
  return differences;
}
