// The fault-injection soak (tests/soak/soak.ts), small: every fault once, on both engines. `npm run
// soak` runs it at size.
import { describe, expect, it } from 'vitest';
import { FAULTS, runSoak } from '../soak/soak.ts';

describe.each(['postgres', 'pglite'] as const)('soak on %s', (engine) => {
  it('every store equals the database after every fault; nothing answered 200 is missing', async () => {
    const report = await runSoak({
      engine,
      users: 6,
      conversations: 4,
      messages: 180,
      senders: 4,
      checkpointIntervalMs: 1_000,
      faults: FAULTS,
      faultScale: 0.2,
      convergeTimeoutMs: 30_000,
      log: () => {},
    });
    expect(report.mismatches).toEqual([]);
    expect(report.faults.map((f) => [f.fault, f.converged_ms !== null])).toEqual(FAULTS.map((f) => [f, true]));
    expect(report.answered).toBeGreaterThanOrEqual(180);
    expect(report.stored).toBeGreaterThanOrEqual(report.answered);
  }, 300_000);
});
