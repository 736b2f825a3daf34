// `npm run soak [-- --engine postgres|pglite|both --plan free|pro|team --messages N --users N --conversations N --senders N
//   --interval MS --scale X --seed N]`: the fault-injection soak of tests/soak/soak.ts, one JSON line per
// event, a summary per engine; exits 1 on any mismatch or a fault the stores did not converge after.
import 'supabase-realtime-inbox-local/node-version';
import { parseArgs } from 'node:util';
import { type Plan, PLAN_LIMITS } from 'supabase-realtime-inbox-local';
import { FAULTS, runSoak, type SoakOptions } from '../tests/soak/soak.ts';

const { values } = parseArgs({
  options: {
    engine: { type: 'string', default: 'both' },
    plan: { type: 'string', default: 'free' },
    messages: { type: 'string', default: '2000' },
    users: { type: 'string', default: '20' },
    conversations: { type: 'string', default: '15' },
    senders: { type: 'string', default: '20' },
    interval: { type: 'string', default: '25000' },
    scale: { type: 'string', default: '1' },
    seed: { type: 'string' },
    faults: { type: 'string', default: FAULTS.join(',') },
  },
});
const faults = values.faults.split(',').filter(Boolean) as (typeof FAULTS)[number][];
for (const fault of faults) if (!FAULTS.includes(fault)) throw new Error(`unknown fault ${fault}; known: ${FAULTS.join(', ')}`);
if (!(values.plan in PLAN_LIMITS)) throw new Error(`unknown plan ${values.plan}; known: ${Object.keys(PLAN_LIMITS).join(', ')}`);
const engines = values.engine === 'both' ? (['postgres', 'pglite'] as const) : [values.engine as 'postgres' | 'pglite'];
const log = (line: Record<string, unknown>) => console.log(JSON.stringify(line));
let failed = false;
for (const engine of engines) {
  const options: SoakOptions = {
    engine,
    plan: values.plan as Plan,
    users: Number(values.users),
    conversations: Number(values.conversations),
    messages: Number(values.messages),
    senders: Number(values.senders),
    checkpointIntervalMs: Number(values.interval),
    faults,
    faultScale: Number(values.scale),
    convergeTimeoutMs: Number(values.interval) + 60_000,
    log,
  };
  const report = await runSoak(options, values.seed ? Number(values.seed) : undefined);
  if (report.mismatches.length > 0 || report.faults.some((f) => f.converged_ms === null)) failed = true;
}
process.exit(failed ? 1 : 0);
