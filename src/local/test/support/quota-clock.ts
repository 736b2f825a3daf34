// Hand-driven time for the quota tests: rate counters tick only when the test advances the clock,
// and backoff sleeps end only when the test releases them, so no assertion depends on timing.
import type { Ticker } from '../../realtime/index.ts';

export class ManualTicker implements Ticker {
  private readonly timers = new Set<{ ms: number; due: number; fn: () => void }>();
  private now = 0;

  every(ms: number, fn: () => void) {
    const timer = { ms, due: this.now + ms, fn };
    this.timers.add(timer);
    return { stop: () => this.timers.delete(timer) };
  }

  /** Moves the clock forward, firing every tick that falls due, in time order. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const next = [...this.timers].sort((a, b) => a.due - b.due)[0];
      if (!next || next.due > end) break;
      this.now = next.due;
      next.due += next.ms;
      next.fn();
    }
    this.now = end;
  }
}

/** A sleep that records what it was asked to wait and returns only when released. */
export class HeldSleep {
  readonly calls: number[] = [];
  private readonly waiting: (() => void)[] = [];

  readonly sleep = (ms: number): Promise<void> => {
    this.calls.push(ms);
    return new Promise((resolve) => this.waiting.push(resolve));
  };

  get pending(): number {
    return this.waiting.length;
  }

  releaseAll(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}
