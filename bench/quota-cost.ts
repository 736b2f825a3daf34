// Realtime quota cost: per send, the Realtime messages hosted counts against the project's
// messages/s (ingress: every message sent; deliveries: every subscriber it reaches), ours beside the
// seed design, and the time until every online member has the message, on a local stack enforcing
// each plan's quotas. Self-contained: `npx tsx bench/quota-cost.ts [--quick]` prints the table;
// `quotaCost()` returns the rows for bench/run.ts.
import { join } from 'node:path';
import { projectRoot } from '../src/local/schema.ts';
import type { TenantLimits } from '../src/local/realtime/index.ts';
import { type StackLogEntry, startLocalStack } from '../src/local/stack.ts';
import { type Bench, createConversation, createUsers, type Design, sendFor, subscribe } from './harness.ts';
import { round } from './stats.ts';

export type Plan = 'Free' | 'Pro' | 'Team';

/** Hosted's plan values (Supabase docs, Realtime limits). */
export const PLANS: Record<Plan, Partial<TenantLimits>> = {
  Free: { maxEventsPerSecond: 100, maxJoinsPerSecond: 100, maxConcurrentUsers: 200 },
  Pro: { maxEventsPerSecond: 500, maxJoinsPerSecond: 500, maxConcurrentUsers: 500 },
  Team: { maxEventsPerSecond: 2500, maxJoinsPerSecond: 2500, maxConcurrentUsers: 10_000 },
};

export interface QuotaCostRow {
  plan: Plan;
  design: Design;
  recipients: number;
  /** Members with their inbox open during the send (a sample: the plan caps concurrent users). */
  online: number;
  /** Counted by the server: messages sent, and deliveries to the online sample. */
  ingressPerSend: number;
  deliveriesPerSend: number;
  /** Ingress plus one delivery per message per recipient: everyone online with one tab. */
  quotaAllOnline: number;
  realtimeRequestsPerSend: number;
  /** Until the last online member had the message-insert, or null if some never did. */
  timeToAllMs: number | null;
  /** Ours: the broadcaster's own duration, until Realtime accepted its last request for the send. */
  broadcastMs?: number;
  received: number;
  /** Requests Realtime refused with 429 during the send. */
  refused: number;
}

const SEED_TABLE = `
  create table if not exists public.seed_messages (
    id uuid primary key default gen_random_uuid(),
    chat_id uuid not null references public.conversations (id) on delete cascade,
    user_id uuid,
    role text not null default 'user',
    text text not null,
    created_at timestamptz not null default now()
  );
  alter table public.seed_messages enable row level security;
  grant all on public.seed_messages to service_role;`;

const ONLINE_SAMPLE = 100;
// The seed never reports failures; after this long without a new delivery it is done.
const QUIET_MS = 3000;

async function startPlanBench(plan: Plan): Promise<Bench> {
  const logs: StackLogEntry[] = [];
  const stack = await startLocalStack({
    port: 0,
    jwtExpirySeconds: 3600,
    realtimeLimits: PLANS[plan],
    extraFunctions: [{
      name: 'seed-chat-send',
      entrypoint: join(projectRoot, 'bench', 'seed-chat-send', 'index.ts'),
      importMap: join(projectRoot, 'bench', 'seed-chat-send', 'deno.json'),
      verifyJwt: false,
    }],
    onLog: (entry) => logs.push(entry),
  });
  await stack.db.transaction((tx) => tx.exec(SEED_TABLE));
  await stack.db.exclusive(() => stack.db.connection.clearSchemaCache());
  return { engine: 'pglite', stack, logs, close: () => stack.stop() };
}

async function measure(bench: Bench, plan: Plan, design: Design, recipients: number, progress: (m: string) => void): Promise<QuotaCostRow> {
  // A fresh Realtime server: its counters start from zero, as a quiet project's do.
  await bench.stack.realtime.stop();
  bench.stack.realtime.start();
  const users = await createUsers(bench, recipients);
  const chatId = await createConversation(bench, users[0], users.slice(1));
  // Spread over the member list, the last member included: recipients are reached in list order.
  const step = Math.max(1, Math.ceil(recipients / ONLINE_SAMPLE));
  const online = users.filter((_, i) => i % step === step - 1 || i === 0).slice(-ONLINE_SAMPLE);
  const subscribers = await subscribe(bench, online, design);
  progress(`${online.length} of ${recipients} members online`);
  try {
    const arrivals = new Map<string, number>();
    let lastArrival = performance.now();
    let messageId: string | undefined;
    subscribers.onMessage((id, at, userId) => {
      if (id !== messageId || arrivals.has(userId)) return;
      arrivals.set(userId, at);
      lastArrival = at;
    });
    const logsBefore = bench.logs.length;
    const before = bench.stack.realtime.stats().eventsCounted;
    const requestsBefore = bench.stack.requestCounts().realtimeApi;
    const started = performance.now();
    messageId = await sendFor(bench, design, users[0], chatId)('quota');
    const done = () =>
      arrivals.size === online.length &&
      (design === 'seed' || bench.logs.slice(logsBefore).some((l) => l.event.startsWith('chat_send_broadcast_') && l.chat_id === chatId));
    while (!done() && performance.now() - lastArrival < QUIET_MS + (design === 'ours' ? 120_000 : 0)) await new Promise((r) => setTimeout(r, 5));
    const counted = bench.stack.realtime.stats().eventsCounted - before;
    const rest = bench.logs.slice(logsBefore).filter((l) => l.event === 'realtime_rest_broadcast');
    const outcome = bench.logs.slice(logsBefore).find((l) => l.event.startsWith('chat_send_broadcast_') && l.chat_id === chatId);
    const ingress = rest.reduce((n, l) => n + Number(l.sent), 0);
    return {
      plan,
      design,
      recipients,
      online: online.length,
      ingressPerSend: ingress,
      deliveriesPerSend: counted - ingress,
      quotaAllOnline: design === 'ours' ? 4 * recipients : 2 * recipients,
      realtimeRequestsPerSend: bench.stack.requestCounts().realtimeApi - requestsBefore,
      timeToAllMs: arrivals.size === online.length ? round(Math.max(...arrivals.values()) - started) : null,
      ...(outcome ? { broadcastMs: Number(outcome.duration_ms) } : {}),
      received: arrivals.size,
      refused: bench.logs.slice(logsBefore).filter((l) => l.event === 'realtime_rest_rejected' && l.status === 429).length,
    };
  } finally {
    await subscribers.close();
  }
}

export async function quotaCost(opts: { plans: Plan[]; sizes: number[] }, progress: (m: string) => void = () => {}): Promise<QuotaCostRow[]> {
  const rows: QuotaCostRow[] = [];
  for (const plan of opts.plans) {
    const bench = await startPlanBench(plan);
    try {
      for (const recipients of opts.sizes) {
        for (const design of ['ours', 'seed'] as const) {
          progress(`quota cost: ${plan}, ${recipients} recipients, ${design}`);
          const row = await measure(bench, plan, design, recipients, progress);
          progress(JSON.stringify(row));
          rows.push(row);
        }
      }
    } finally {
      await bench.close();
    }
  }
  return rows;
}

export function quotaCostTable(rows: QuotaCostRow[]): string {
  const header =
    '| plan | design | recipients | online | Realtime messages sent | deliveries | quota, all online | requests | time to all online (ms) | broadcast (ms) | received | 429s |\n' +
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|';
  const lines = rows.map((r) =>
    `| ${r.plan} | ${r.design} | ${r.recipients} | ${r.online} | ${r.ingressPerSend} | ${r.deliveriesPerSend} | ${r.quotaAllOnline} | ` +
    `${r.realtimeRequestsPerSend} | ${r.timeToAllMs ?? 'never'} | ${r.broadcastMs ?? '–'} | ${r.received}/${r.online} | ${r.refused} |`
  );
  return [header, ...lines].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick');
  const planArg = process.argv[process.argv.indexOf('--plan') + 1] as Plan;
  const plans: Plan[] = process.argv.includes('--plan') ? [planArg] : quick ? ['Free'] : ['Free', 'Pro', 'Team'];
  const rows = await quotaCost(
    { plans, sizes: quick ? [2, 10] : [2, 10, 100, 1000] },
    (m) => console.error(`[bench] ${m}`),
  );
  console.log(quotaCostTable(rows));
  process.exit(0);
}
