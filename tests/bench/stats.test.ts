// The benchmark statistics (#16): no p99 from too few samples, spreads over rounds, ratios that lie
// inside the range printed beside them.
import { describe, expect, it } from 'vitest';
import { distribution, formatDistribution, MIN_SAMPLES_FOR_P99, ratioOf } from '../../bench/stats.ts';

const range = (n: number, from = 1) => Array.from({ length: n }, (_, i) => from + i);

describe('distribution', () => {
  it('prints no p99 below enough samples, so a maximum is never called one', () => {
    const ten = distribution([range(10)]);
    expect(ten.p99).toBeUndefined();
    expect(formatDistribution(ten)).toContain('n=10, too few for p99');
    const enough = distribution([range(MIN_SAMPLES_FOR_P99)]);
    expect(enough.p99).toBe(99);
    expect(formatDistribution(enough)).toContain(`p99 99; n=${MIN_SAMPLES_FOR_P99}`);
  });

  it('pools the rounds for the median and reports how far the rounds spread', () => {
    expect(distribution([[1, 2, 3], [10, 20, 30]])).toEqual({ n: 6, median: 3, roundMedians: [2, 20] });
  });
});

describe('ratioOf', () => {
  it('is the median of per-round ratios, within the per-round range', () => {
    const a = [[2, 2, 2], [9, 9, 9], [4, 4, 4]];
    const b = [[1, 1, 1], [3, 3, 3], [4, 4, 4]];
    const ratio = ratioOf(distribution(a), a, distribution(b), b)!;
    expect(ratio).toEqual({ value: 2, range: [1, 3] });
  });

  it('takes the mean of the two middle rounds when there is an even number of them', () => {
    const a = [[1], [5]];
    const b = [[1], [1]];
    expect(ratioOf(distribution(a), a, distribution(b), b)).toEqual({ value: 3, range: [1, 5] });
  });

  it('has no p99 ratio without p99s on both sides', () => {
    const a = [range(10)];
    expect(ratioOf(distribution(a), a, distribution(a), a, 'p99')).toBeUndefined();
  });
});
