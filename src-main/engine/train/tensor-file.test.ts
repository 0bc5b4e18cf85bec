/**
 * The tensor file with 16-bit tables: fp16 / bf16 arrays are written as their bits (half the bytes)
 * and read back as exactly those numbers; files without them stay version 1; a model with 16-bit
 * tables saves and loads (model file and checkpoint) with the same stored bits.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend';
import { decodeTable, HalfPrecisionBags, toBfloatBits, toHalfBits } from '../model/compressed-embedding';
import { Rng } from '../random/rng';
import { loadCheckpoint, saveCheckpoint } from './checkpoint';
import { loadModel, saveModel } from './model-file';
import { readTensorFile, writeTensorFile } from './tensor-file';
import { randomBatch } from './testing';
import { ModelTrainer, type TrainJob } from './trainer';

let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlrm-tensor-file-'));
  await initBackend('cpu');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function headerOf(file: string): { version: number; arrays: { name: string; length: number; offset: number; encoding?: string }[] } {
  const bytes = fs.readFileSync(file);
  return JSON.parse(bytes.toString('utf8', 12, 12 + bytes.readUInt32LE(8))) as never;
}

describe('tensor files with 16-bit arrays', () => {
  it('write 16-bit arrays as their bits, padded to 4 bytes, and read them back as exactly their numbers', () => {
    const values = [0.1, -0.3, 1e-6, 65504, -2.5];
    const half = Uint16Array.from(values, toHalfBits);
    const bfloat = Uint16Array.from(values.slice(0, 3), toBfloatBits);
    const plain = Float32Array.from([1.5, -2, 3.25]);
    const file = path.join(dir, 'mixed.bin');
    const bytes = writeTensorFile(file, 'test', { note: 'x' }, [
      { name: 'half', data: half, encoding: 'fp16' },
      { name: 'bfloat', data: bfloat, encoding: 'bf16' },
      { name: 'plain', data: plain },
    ]);
    const header = headerOf(file);
    expect(header.version).toBe(2);
    // 5 halves = 10 bytes padded to 12; 3 bfloats = 6 padded to 8; then 12 bytes of float32
    expect(header.arrays.map((a) => [a.name, a.length, a.offset, a.encoding])).toEqual([
      ['half', 5, 0, 'fp16'],
      ['bfloat', 3, 12, 'bf16'],
      ['plain', 3, 20, undefined],
    ]);
    expect(fs.statSync(file).size).toBe(bytes);
    const read = readTensorFile<{ note: string }>(file, 'test');
    expect(read.meta.note).toBe('x');
    expect(Array.from(read.arrays.get('half')!)).toEqual(Array.from(half, (b) => decodeTable('fp16')[b]));
    expect(Array.from(read.arrays.get('bfloat')!)).toEqual(Array.from(bfloat, (b) => decodeTable('bf16')[b]));
    expect(Array.from(read.arrays.get('plain')!)).toEqual([1.5, -2, 3.25]);
  });

  it('stay version 1 without 16-bit arrays, and refuse an unknown encoding naming the array', () => {
    const file = path.join(dir, 'plain.bin');
    writeTensorFile(file, 'test', {}, [{ name: 'a', data: Float32Array.of(1, 2) }]);
    expect(headerOf(file).version).toBe(1);
    const bad = path.join(dir, 'bad.bin');
    writeTensorFile(bad, 'test', {}, [{ name: 'weird', data: Uint16Array.of(1, 2), encoding: 'fp16' }]);
    const bytes = fs.readFileSync(bad);
    fs.writeFileSync(bad, Buffer.from(bytes.toString('latin1').replace('"encoding":"fp16"', '"encoding":"fp08"'), 'latin1'));
    expect(() => readTensorFile(bad, 'test')).toThrow(/array weird has an unknown encoding "fp08"/);
  });

  it.each(['fp16', 'bf16'] as const)('a model with %s tables saves and loads with the same stored bits, in about half the bytes', (precision) => {
    const tableSizes = [300, 200, 100];
    const job = (tablePrecision?: 'fp16' | 'bf16'): TrainJob => ({
      model: { kind: 'dlrm', embeddingDim: 8, bottomMlp: '13-8', topMlp: '8-1', interaction: 'dot', hashSize: 300, ...(tablePrecision ? { tablePrecision } : {}) },
      optimizer: { dense: 'sgd', sparse: 'rowwise-adagrad', learningRate: 0.1, warmupSteps: 0, decay: 'none' },
      train: { batchSize: 32, epochs: 1, evalEvery: 0, seed: 3, maxBadRowShare: 1, checkpointEvery: 0 },
      tableSizes,
    });
    const trainer = new ModelTrainer(job(precision));
    const full = new ModelTrainer(job());
    const rng = new Rng(4);
    for (let i = 0; i < 5; i++) trainer.step(randomBatch(rng, { batchSize: 32, numDense: 13, tableSizes }), 0.1);
    const stored = (trainer.model.embeddings as HalfPrecisionBags).stored;

    const modelFile = path.join(dir, `${precision}.model`);
    const fullFile = path.join(dir, 'fp32.model');
    saveModel(modelFile, trainer.model, { model: job(precision).model, preprocessing: null, trainedSteps: 5 });
    saveModel(fullFile, full.model, { model: job().model, preprocessing: null, trainedSteps: 0 });
    const tableBytes = 600 * 8 * 4;
    // the tables take half the bytes (the header grows by a few dozen bytes of encodings)
    expect(fs.statSync(fullFile).size - fs.statSync(modelFile).size).toBeGreaterThan(tableBytes / 2 - 256);
    expect(fs.statSync(fullFile).size - fs.statSync(modelFile).size).toBeLessThanOrEqual(tableBytes / 2);
    const loaded = loadModel(modelFile).model;
    expect(loaded.embeddings).toBeInstanceOf(HalfPrecisionBags);
    (loaded.embeddings as HalfPrecisionBags).stored.forEach((t, f) => expect(Array.from(t)).toEqual(Array.from(stored[f])));

    const checkpointFile = path.join(dir, `${precision}.ckpt`);
    saveCheckpoint(checkpointFile, trainer, { step: 5, epoch: 0, batchInEpoch: 5, samplesSeen: 160, trainSeconds: 1 }, 'cpu');
    expect(headerOf(checkpointFile).arrays.filter((a) => a.encoding === precision)).toHaveLength(3);
    const checkpoint = loadCheckpoint(checkpointFile);
    const resumed = new ModelTrainer(job(precision), { weights: checkpoint.weights, optimizers: checkpoint.optimizers });
    (resumed.model.embeddings as HalfPrecisionBags).stored.forEach((t, f) => expect(Array.from(t)).toEqual(Array.from(stored[f])));
    for (const m of [trainer, full, resumed]) m.dispose();
    loaded.dispose();
  });
});
