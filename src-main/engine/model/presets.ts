/**
 * Named model configurations: three DLRMs (see ../../../docs and ../shared/design/engine-notes.md for
 * their sources) and DLRM's rivals, sized for Criteo with tables hashed like criteo-kaggle's
 * (100,000 rows) and D 16 where there is an embedding, so a comparison changes only the model.
 */
import type { PresetInfo } from '../../domain';

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
  {
    name: 'dcn',
    description:
      'Deep & Cross Network (Wang et al. 2017): x0 = 13 dense features + 26 embeddings of d 16 (width 429), ' +
      '3 cross layers beside a deep network 429-512-256, joined by a linear layer 685-1; tables hashed to 100,000 rows. ' +
      '(The paper used 6 cross layers and 2 x 1024 deep layers; this is sized like criteo-kaggle\'s top MLP.)',
    model: {
      kind: 'dcn',
      preset: 'dcn',
      embeddingDim: 16,
      bottomMlp: '',
      topMlp: '512-256',
      interaction: 'dot',
      hashSize: 100_000,
      crossLayers: 3,
    },
  },
  {
    name: 'fm',
    description:
      'Factorisation machine, second order: a weight and a 16-d factor per hashed value (100,000 rows per table), ' +
      'the 13 dense features projected into one more field; logit = bias + linear terms + all pairwise factor dots.',
    model: {
      kind: 'fm',
      preset: 'fm',
      embeddingDim: 16,
      bottomMlp: '',
      topMlp: '',
      interaction: 'dot',
      hashSize: 100_000,
    },
  },
  {
    name: 'mf',
    description:
      'Matrix factorisation on two fields (C1 as the user, C2 as the item): logit = <u, i> + b_u + b_i + b with 16-d factors, ' +
      'tables hashed to 100,000 rows; the other features are not used.',
    model: {
      kind: 'mf',
      preset: 'mf',
      embeddingDim: 16,
      bottomMlp: '',
      topMlp: '',
      interaction: 'dot',
      hashSize: 100_000,
    },
  },
  {
    name: 'lr',
    description:
      'Logistic regression on hashed features: one weight per hashed value of each of the 26 fields (100,000 rows per table), ' +
      'a linear term per dense feature and a bias.',
    model: {
      kind: 'lr',
      preset: 'lr',
      embeddingDim: 1,
      bottomMlp: '',
      topMlp: '',
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
