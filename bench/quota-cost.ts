// Realtime quota cost: per send, the Realtime messages hosted counts against the project's
// messages/s (ingress: every message sent; deliveries: every subscriber it reaches), ours beside the
// seed design, and the time until every online member has the message, on a local stack enforcing
// each plan's quotas. Self-contained: `npx tsx bench/quota-cost.ts [--quick]` prints the table;
// `quotaCost()` returns the rows for bench/run.ts.
import { join } from 'node:path';
import { resolveProjectDir, type StackLogEntry, startLocalStack, type TenantLimits } from 'supabase-realtime-inbox-local';
import type { SupabaseClient } from '@supabase/supabase-js';
import { addSeedTable, type Bench, type BenchUser, callFunction, clientFor, createConversation, createUsers, type Design } from './harness.ts';
import { joinInbox, joinInSlices } from './inbox-channel.ts';
import { round } from './stats.ts';

const projectRoot = resolveProjectDir();

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
  /** The highest events/s average Realtime computed during the send and one tick after. */
  peakEventsPerSecond: number;
  /** The plan's max_events_per_second: at or above it Realtime shuts channels down. */
  limit: number;
}

const ONLINE_SAMPLE = 100;
const TICK_MS = 5000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
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
  await addSeedTable(stack);
  return { engine: 'pglite', stack, logs, realtime: { realtimeMessages: 0, realtimeDeliveries: 0 }, close: () => stack.stop() };
}

const outcomeOf = (bench: Bench, from: number, fn: string, chatId: string) =>
  bench.logs.slice(from).find((l) => (l.event === `${fn}_broadcast_sent` || l.event === `${fn}_broadcast_failed`) && l.chat_id === chatId);

async function measure(bench: Bench, plan: Plan, design: Design, recipients: number, progress: (m: string) => void): Promise<QuotaCostRow> {
  const users = await createUsers(bench, recipients);
  const created = bench.logs.length;
  const chatId = await createConversation(bench, users[0], users.slice(1));
  // The creation's own fan-out is paced too; measure the send alone, on a quiet project.
  while (!outcomeOf(bench, created, 'chat_create', chatId)) await sleep(20);
  await bench.stack.realtime.stop();
  bench.stack.realtime.start();
  // Spread over the member list, the last member included: recipients are reached in list order.
  const step = Math.max(1, Math.ceil(recipients / ONLINE_SAMPLE));
  const online = users.filter((_, i) => i % step === step - 1 || i === 0).slice(-ONLINE_SAMPLE);
  const subscribers = await subscribe(bench, online, design);
  progress(`${online.length} of ${recipients} members online`);
  try {
    // By message id: a fast broadcast may arrive before the function's answer names the message.
    const arrivals = new Map<string, Map<string, number>>();
    let lastArrival = performance.now();
    subscribers.onMessage((id, at, userId) => {
      const byUser = arrivals.get(id) ?? arrivals.set(id, new Map()).get(id)!;
      if (byUser.has(userId)) return;
      byUser.set(userId, at);
      lastArrival = at;
    });
    const logsBefore = bench.logs.length;
    const before = bench.stack.realtime.stats().eventsCounted;
    const requestsBefore = bench.stack.requestCounts().realtimeApi;
    let peak = 0;
    const sample = () => (peak = Math.max(peak, bench.stack.realtime.stats().eventsPerSecond));
    const started = performance.now();
    const messageId = await sendFor(bench, design, users[0], chatId)('quota');
    const received = () => arrivals.get(messageId)?.size ?? 0;
    const done = () => received() === online.length && (design === 'seed' || outcomeOf(bench, logsBefore, 'chat_send', chatId));
    while (!done() && performance.now() - lastArrival < QUIET_MS + (design === 'ours' ? 120_000 : 0)) {
      sample();
      await sleep(5);
    }
    const counted = bench.stack.realtime.stats().eventsCounted - before;
    const ingress = bench.logs.slice(logsBefore).filter((l) => l.event === 'realtime_rest_broadcast').reduce((n, l) => n + Number(l.sent), 0);
    const outcome = outcomeOf(bench, logsBefore, 'chat_send', chatId);
    const row: QuotaCostRow = {
      plan,
      design,
      recipients,
      online: online.length,
      ingressPerSend: ingress,
      deliveriesPerSend: counted - ingress,
      quotaAllOnline: design === 'ours' ? 4 * recipients : 2 * recipients,
      realtimeRequestsPerSend: bench.stack.requestCounts().realtimeApi - requestsBefore,
      timeToAllMs: received() === online.length ? round(Math.max(...arrivals.get(messageId)!.values()) - started) : null,
      ...(outcome ? { broadcastMs: Number(outcome.duration_ms) } : {}),
      received: received(),
      refused: bench.logs.slice(logsBefore).filter((l) => l.event === 'realtime_rest_rejected' && l.status === 429).length,
      peakEventsPerSecond: 0,
      limit: PLANS[plan].maxEventsPerSecond!,
    };
    // Realtime's average moves only at its 5 s ticks: read it once more after the next one.
    await sleep(TICK_MS + 500);
    row.peakEventsPerSecond = round(Math.max(peak, sample()));
    return row;
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
    '| plan | design | recipients | online | Realtime messages sent | deliveries | quota, all online | requests | time to all online (ms) | broadcast (ms) | received | 429s | peak events/s (limit) |\n' +
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|';
  const lines = rows.map((r) =>
    `| ${r.plan} | ${r.design} | ${r.recipients} | ${r.online} | ${r.ingressPerSend} | ${r.deliveriesPerSend} | ${r.quotaAllOnline} | ` +
    `${r.realtimeRequestsPerSend} | ${r.timeToAllMs ?? 'never'} | ${r.broadcastMs ?? '–'} | ${r.received}/${r.online} | ${r.refused} | ${r.peakEventsPerSecond} (${r.limit}) |`
  );
  return [header, ...lines].join('\n');
}

/**
 * Each participant's own client listening on their inbox channel: private for ours, public for the seed.
 * In this process: this module counts quota and the paced time to all-received (seconds), which
 * in-process clients do not distort.
 */
interface Subscribers {
  /** Called for every message-insert any participant receives. */
  onMessage(listener: (messageId: string, at: number, userId: string) => void): void;
  close(): Promise<void>;
}

async function subscribe(bench: Bench, users: BenchUser[], design: Design): Promise<Subscribers> {
  const listeners: ((messageId: string, at: number, userId: string) => void)[] = [];
  const clients: SupabaseClient[] = [];
  const join = async (user: BenchUser) => {
    const client = clientFor(bench, user);
    clients.push(client);
    await joinInbox(client, user.id, design === 'ours', (payload) => {
      const at = performance.now();
      for (const listener of listeners) listener(payload.message.id, at, user.id);
    });
  };
  await joinInSlices(users, join);
  return {
    onMessage: (listener) => void listeners.push(listener),
    async close() {
      await Promise.all(clients.map((client) => client.removeAllChannels()));
      for (const client of clients) client.realtime.disconnect();
    },
  };
}

/** The function each design's sender calls, and the body it takes. */
function sendFor(bench: Bench, design: Design, sender: BenchUser, chatId: string) {
  return (text: string) =>
    design === 'ours'
      ? callFunction(bench, 'chat-send', sender, { chat_id: chatId, text }).then((a) => a.messages[0].id as string)
      : callFunction(bench, 'seed-chat-send', sender, { chat_id: chatId, text, user_id: sender.id }).then((a) => a.data.id as string);
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
