/** Named DLRM configurations (see ../../../docs and ../shared/design/engine-notes.md for their sources). */
import type { PresetInfo } from '../../service/contract';

export const PRESETS: PresetInfo[] = [
  {
    name: 'criteo-kaggle',
    description:
      'The reference benchmark script for Criteo Kaggle: d 16, bottom 13-512-256-64-16, dot interaction, ' +
      'top 512-256-1 (top input 16 + 351 = 367), tables hashed to 100,000 rows.',
    model: {
      kind: 'dlrm',
      preset: 'criteo-kaggle',
      embeddingDim: 16,
      bottomMlp: '13-512-256-64-16',
      topMlp: '512-256-1',
      interaction: 'dot',
      hashSize: 100_000,
    },
  },
  {
    name: 'course',
    description:
      'The course notes: d 128, bottom 13-512-256-128, dot products with self-interaction, top 512-256-1 ' +
      '(top input 128 + 378 = 506), tables hashed to 100,000 rows.',
    model: {
      kind: 'dlrm',
      preset: 'course',
      embeddingDim: 128,
      bottomMlp: '13-512-256-128',
      topMlp: '512-256-1',
      interaction: 'dot-self',
      hashSize: 100_000,
    },
  },
  {
    name: 'terabyte',
    description:
      'MLPerf v1 / Criteo Terabyte shape: d 128, bottom 13-512-256-128, dot interaction, top 1024-1024-512-256-1 ' +
      '(top input 128 + 351 = 479); tables hashed to 100,000 rows here (the reference uses 10M-40M).',
    model: {
      kind: 'dlrm',
      preset: 'terabyte',
      embeddingDim: 128,
      bottomMlp: '13-512-256-128',
      topMlp: '1024-1024-512-256-1',
      interaction: 'dot',
      hashSize: 100_000,
    },
  },
];

/** A copy of the preset's model spec. @throws when the name is unknown, listing the known ones. */
export function presetModel(name: string): PresetInfo['model'] {
  const p = PRESETS.find((x) => x.name === name);
  if (!p) throw new Error(`unknown preset "${name}" (known: ${PRESETS.map((x) => x.name).join(', ')})`);
  return { ...p.model };
}
