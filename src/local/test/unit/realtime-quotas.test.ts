// The rate counter's averaging as hosted's RateCounter does it, and the limits from the environment.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { FREE_PLAN_LIMITS, limitsFromEnv, PLAN_LIMITS, planLimits, RateCounter } from '../../realtime/quotas.ts';
import { ManualTicker } from '../support/quota-clock.ts';

describe('RateCounter', () => {
  it('averages over the buckets so far, at most 12 of 5 s, and triggers at >= the limit', () => {
    const ticker = new ManualTicker();
    const counter = new RateCounter(ticker, 5000, 12, 10);
    counter.add(99);
    // Readers see the last tick only: the first (immediate) tick was empty.
    expect(counter.avg).toBe(0);
    ticker.advance(5000);
    expect(counter.avg).toBeCloseTo(99 / 10);
    expect(counter.triggered).toBe(false);
    counter.add(51);
    ticker.advance(5000);
    expect(counter.avg).toBe(10);
    expect(counter.triggered).toBe(true);
    ticker.advance(5000);
    expect(counter.triggered).toBe(false);
    // After 12 buckets the oldest drops out: 150 events over a full 60 s window.
    ticker.advance(8 * 5000);
    expect(counter.avg).toBeCloseTo(150 / 60);
    // The empty first bucket leaves first, then the 99, then the 51.
    ticker.advance(5000);
    expect(counter.avg).toBeCloseTo(150 / 60);
    ticker.advance(5000);
    expect(counter.avg).toBeCloseTo(51 / 60);
    ticker.advance(5000);
    expect(counter.avg).toBe(0);
  });

  it('stops when idle at a 5-minute check and starts afresh on next use', () => {
    const ticker = new ManualTicker();
    const counter = new RateCounter(ticker, 5000, 12, 10);
    counter.add(1000);
    ticker.advance(5 * 60_000);
    counter.add(60);
    ticker.advance(5000);
    // A fresh counter: its empty first bucket and this one.
    expect(counter.avg).toBe(6);
  });
});

describe('limitsFromEnv', () => {
  it("defaults to hosted's Free plan and reads hosted's variable names", () => {
    expect(limitsFromEnv({})).toEqual(FREE_PLAN_LIMITS);
    expect(FREE_PLAN_LIMITS).toEqual({
      maxEventsPerSecond: 100,
      maxJoinsPerSecond: 100,
      maxChannelsPerClient: 100,
      maxConcurrentUsers: 200,
      maxBytesPerSecond: 100_000,
      channelErrorBackoffMs: 5000,
      connectErrorBackoffMs: 2000,
      maxClientPresenceEventsPerWindow: 5,
      clientPresenceWindowMs: 30_000,
    });
    expect(limitsFromEnv({ TENANT_MAX_EVENTS_PER_SECOND: '500', TENANT_MAX_CONCURRENT_USERS: '500', CHANNEL_ERROR_BACKOFF_MS: '0' })).toMatchObject({
      maxEventsPerSecond: 500,
      maxConcurrentUsers: 500,
      channelErrorBackoffMs: 0,
    });
    expect(() => limitsFromEnv({ TENANT_MAX_JOINS_PER_SECOND: 'lots' })).toThrow(/TENANT_MAX_JOINS_PER_SECOND/);
  });
});

describe('PLAN_LIMITS', () => {
  it("are the README's commands for running as Pro and Team", () => {
    const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
    for (const [plan, name] of [['pro', 'Pro'], ['team', 'Team']] as const) {
      const line = readme.split('\n').find((l) => new RegExp(`npm start +# ${name}$`).test(l));
      expect(line, `README has a line that starts the stack as ${name}`).toBeDefined();
      const env = Object.fromEntries([...line!.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
      expect(limitsFromEnv(env)).toEqual({ ...FREE_PLAN_LIMITS, ...PLAN_LIMITS[plan] });
      expect(planLimits(plan), 'what the benchmarks run each plan with').toEqual(limitsFromEnv(env));
    }
  });
});
