/** Nearest-rank percentile of a sample; p in [0, 100]. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const median = (values: number[]) => percentile(values, 50);

/** The middle value, or the mean of the two middle ones: for a handful of per-round figures. */
export function middle(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const half = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2;
}
export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Below this many samples the nearest-rank p99 is the maximum (or next to it), so it is not printed. */
export const MIN_SAMPLES_FOR_P99 = 100;

/** A latency over interleaved rounds: all samples pooled, plus how far the rounds' medians spread. */
export interface Distribution {
  n: number;
  median: number;
  /** Only with at least MIN_SAMPLES_FOR_P99 samples. */
  p99?: number;
  /** Lowest and highest median of a single round. */
  roundMedians: [number, number];
}

export function distribution(rounds: number[][]): Distribution {
  const all = rounds.flat();
  const medians = rounds.filter((r) => r.length > 0).map(median);
  return {
    n: all.length,
    median: round(median(all), 2),
    ...(all.length >= MIN_SAMPLES_FOR_P99 ? { p99: round(percentile(all, 99), 2) } : {}),
    roundMedians: [round(Math.min(...medians), 2), round(Math.max(...medians), 2)],
  };
}

/** A ratio of two measures taken in the same rounds: per round, its median, lowest and highest. */
export interface Ratio {
  value: number;
  range: [number, number];
}

export function ratioOf(a: Distribution, aRounds: number[][], b: Distribution, bRounds: number[][], field: 'median' | 'p99' = 'median'): Ratio | undefined {
  const av = a[field];
  const bv = b[field];
  if (av === undefined || bv === undefined || !(bv > 0)) return undefined;
  if (field === 'p99') return { value: round(av / bv, 2), range: [round(av / bv, 2), round(av / bv, 2)] };
  // The median of the per-round ratios, so the value always lies inside the range printed beside it.
  const perRound = aRounds.map((r, i) => median(r) / median(bRounds[i])).filter(Number.isFinite);
  return { value: round(middle(perRound), 2), range: [round(Math.min(...perRound), 2), round(Math.max(...perRound), 2)] };
}

/** "12.3 ms (rounds 11.9–13.0; p99 20.1; n=200)" or "… n=30, too few for p99". */
export function formatDistribution(d: Distribution, unit = 'ms'): string {
  const p99 = d.p99 === undefined ? `n=${d.n}, too few for p99` : `p99 ${d.p99}; n=${d.n}`;
  return `${d.median} ${unit} (rounds ${d.roundMedians[0]}–${d.roundMedians[1]}; ${p99})`;
}

export const formatRatio = (r: Ratio | undefined) => (r ? `${r.value} (rounds ${r.range[0]}–${r.range[1]})` : 'n/a');
