import { describe, expect, it } from 'vitest';
import { linearTicks, logDomain, logTicks, makeScale, nearestIndex, niceDomain, niceStep, tickLabel } from './scales';

describe('nice ticks', () => {
  it('picks 1, 2 or 5 times a power of ten', () => {
    expect(niceStep(1, 5)).toBe(0.2); // raw 0.2 -> 2 * 0.1
    expect(niceStep(0.06, 5)).toBeCloseTo(0.01, 12); // raw 0.012 -> 1 * 0.01
    expect(niceStep(330, 5)).toBe(50); // raw 66 -> normalised 6.6 -> 5 * 10
    expect(niceStep(1000, 4)).toBe(200); // raw 250 -> 2.5 -> 2 * 100
  });

  it('lists ticks without floating-point noise', () => {
    expect(linearTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(linearTicks(0.71, 0.77, 5)).toEqual([0.71, 0.72, 0.73, 0.74, 0.75, 0.76, 0.77]);
    expect(linearTicks(3, 3)).toEqual([3]);
  });

  it('widens a domain to whole steps and opens a zero-width one', () => {
    expect(niceDomain(0.712, 0.768, 5)).toEqual([0.71, 0.77]);
    expect(niceDomain(5, 5)).toEqual([4.5, 5.5]);
    expect(niceDomain(0, 0)).toEqual([-1, 1]);
  });

  it('puts log ticks at 1-2-5 steps, on powers of ten over many decades, linear inside a decade', () => {
    // 8 candidates fit when up to count + 2 = 9 are allowed; with count 5 only the powers remain.
    expect(logTicks(1, 313, 7)).toEqual([1, 2, 5, 10, 20, 50, 100, 200]);
    expect(logTicks(1, 313, 5)).toEqual([1, 10, 100]);
    expect(logTicks(1, 1e6, 5)).toEqual([1, 10, 100, 1000, 10000, 100000, 1e6]);
    expect(logTicks(1, 1e12, 5)).toEqual([1, 100, 10000, 1e6, 1e8, 1e10, 1e12]);
    expect(logTicks(0.1, 0.6, 5)).toEqual([0.1, 0.2, 0.5]);
    expect(logTicks(0.45, 0.7, 5)).toEqual(linearTicks(0.45, 0.7, 5));
    expect(logDomain(3, 4000)).toEqual([3, 4000]);
    expect(logDomain(5, 5)).toEqual([2.5, 10]);
  });
});

describe('scales', () => {
  it('maps linearly and inverts', () => {
    const scale = makeScale([0, 10], [0, 200], false);
    expect(scale(5)).toBe(100);
    expect(scale.invert(50)).toBe(2.5);
  });

  it('maps log10 and inverts; a flipped range serves the y-axis', () => {
    const scale = makeScale([1, 100], [100, 0], true);
    expect(scale(10)).toBeCloseTo(50, 12);
    expect(scale.invert(0)).toBeCloseTo(100, 9);
  });

  it('finds the nearest point by x', () => {
    const points = [{ x: 0 }, { x: 10 }, { x: 20 }, { x: 30 }];
    expect(nearestIndex(points, 14)).toBe(1);
    expect(nearestIndex(points, 16)).toBe(2);
    expect(nearestIndex(points, -5)).toBe(0);
    expect(nearestIndex(points, 99)).toBe(3);
    expect(nearestIndex([], 1)).toBe(-1);
  });

  it('labels ticks compactly', () => {
    expect(tickLabel(0.75, [0.7, 0.75, 0.8])).toBe('0.75');
    expect(tickLabel(25000, [0, 25000])).toBe('25k');
    expect(tickLabel(1_500_000, [0, 1_500_000])).toBe('1.5M');
    expect(tickLabel(0.01, [0.01, 0.1], true)).toBe('0.01');
    expect(tickLabel(100, [1, 10, 100], true)).toBe('100');
  });
});
