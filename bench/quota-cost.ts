// Realtime quota cost: per send, the Realtime messages hosted counts against the project's
// messages/s (ingress: every message sent; deliveries: every subscriber it reaches), for each way ours
// can deliver a send beside the seed design, and the time until every online member has the message,
// on a local stack enforcing each plan's quotas. One send on a quiet project, and a burst of sends.
// Self-contained: `npx tsx bench/quota-cost.ts [--quick] [--plan Free] [--designs large,seed]` prints the table;
// `quotaCost()` returns the rows for bench/run.ts.
import { join } from 'node:path';
import { planLimits, resolveProjectDir, type Plan as StackPlan, type StackLogEntry, startLocalStack } from 'supabase-realtime-inbox-local';
import type { SupabaseClient } from '@supabase/supabase-js';
import { addSeedTable, type Bench, type BenchUser, callFunction, clientFor, createConversation, createUsers } from './harness.ts';
import { joinInbox, joinInSlices, joinTopic } from './inbox-channel.ts';
import { round } from './stats.ts';

const projectRoot = resolveProjectDir();

/** The plans as the docs name them, each run with the local stack's limits for it. */
const STACK_PLANS = { Free: 'free', Pro: 'pro', Team: 'team' } as const satisfies Record<string, StackPlan>;
export type Plan = keyof typeof STACK_PLANS;

/**
 * - `ours`: the default (CHAT_SEND_SUMMARY=separate): message-insert, then conversation-update, per recipient.
 * - `inline`: CHAT_SEND_SUMMARY=inline: the summary on the message-insert, one message per recipient.
 * - `large`: every conversation delivered as a large one (CHAT_LARGE_CONVERSATION_MEMBERS=2): the message
 *   once on its topic for the members who have it open, inbox updates coalesced (5 s window).
 * - `seed`: the seed design, one REST request per participant and only message-insert.
 */
export type QuotaDesign = 'ours' | 'inline' | 'large' | 'seed';
export const QUOTA_DESIGNS: readonly QuotaDesign[] = ['ours', 'inline', 'large', 'seed'];

/** What each design's stack is told (the seed's function is served beside ours on the default stack). */
const DESIGN_ENV: Record<Exclude<QuotaDesign, 'seed'>, Record<string, string>> = {
  ours: {},
  inline: { CHAT_SEND_SUMMARY: 'inline' },
  large: { CHAT_LARGE_CONVERSATION_MEMBERS: '2' },
};

/** The share of a large conversation's members the broadcaster expects to have it open (its default). */
const VIEWER_SHARE = 0.1;

export interface QuotaCostRow {
  plan: Plan;
  design: QuotaDesign;
  recipients: number;
  /** Sends, all at once: 1, or a burst. */
  sends: number;
  /** Members with their inbox open during the send (a sample: the plan caps concurrent users). */
  online: number;
  /** Of them, members with the conversation open (large: joined to its message topic). */
  viewers: number;
  /** Counted by the server over the whole send or burst: messages sent, and deliveries to the online sample. */
  ingress: number;
  deliveries: number;
  /** Ingress plus deliveries with every member online on one device, the share VIEWER_SHARE viewing, per send. */
  quotaAllOnlinePerSend: number;
  /** Large: the inbox fan-outs the coalescer sent for the burst. */
  inboxFanouts?: number;
  realtimeRequests: number;
  /** Until every viewer had every message of the send(s), or null if some never did. */
  timeToViewersMs: number | null;
  /** Until every online member had them: the message-insert, or (large, not viewing) a summary showing the last. */
  timeToAllMs: number | null;
  received: number;
  /** Requests Realtime refused with 429. */
  refused: number;
  /** The highest events/s average Realtime computed during the send and one tick after. */
  peakEventsPerSecond: number;
  /** The plan's max_events_per_second: at or above it Realtime shuts channels down. */
  limit: number;
}

const ONLINE_SAMPLE = 100;
const MAX_VIEWERS = 50;
const TICK_MS = 5000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// After this long without a new delivery the seed is done (it never reports failures); its thousand
// requests at once can stall a loaded machine for seconds.
const QUIET_MS = 10_000;
// Ours paces itself: a long pause between deliveries is a window or the budget refilling, not the end.
const PACED_QUIET_MS = 120_000;

async function startPlanBench(plan: Plan, env: Record<string, string>): Promise<Bench> {
  const logs: StackLogEntry[] = [];
  const stack = await startLocalStack({
    port: 0,
    jwtExpirySeconds: 3600,
    realtimeLimits: planLimits(STACK_PLANS[plan]),
    functionEnv: env,
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

const outcomes = (bench: Bench, from: number, fn: string, chatId: string) =>
  bench.logs.slice(from).filter((l) => (l.event === `${fn}_broadcast_sent` || l.event === `${fn}_broadcast_failed`) && l.chat_id === chatId);

/** What one online member heard: message-inserts by number, and (large) the last number each summary showed. */
interface Heard {
  /** By message_number (the seed's messages have none: by id). */
  inserts: Map<number | string, number>;
  summaries: { at: number; upTo: number }[];
}

/** When a member had every message in `keys`, or null. A large conversation's non-viewer has them once a summary shows the last. */
function hadAll(heard: Heard, keys: (number | string)[], bySummary: boolean): number | null {
  if (bySummary) {
    const last = Math.max(...(keys as number[]));
    return heard.summaries.find((s) => s.upTo >= last)?.at ?? null;
  }
  let at = 0;
  for (const n of keys) {
    const t = heard.inserts.get(n);
    if (t === undefined) return null;
    at = Math.max(at, t);
  }
  return at;
}

async function measure(
  bench: Bench,
  plan: Plan,
  design: QuotaDesign,
  recipients: number,
  sends: number,
  progress: (m: string) => void,
): Promise<QuotaCostRow> {
  const users = await createUsers(bench, recipients);
  const created = bench.logs.length;
  const chatId = await createConversation(bench, users[0], users.slice(1));
  // The creation's own fan-out is paced too; measure the send alone, on a quiet project.
  while (outcomes(bench, created, 'chat_create', chatId).length === 0) await sleep(20);
  await bench.stack.realtime.stop();
  bench.stack.realtime.start();
  // Spread over the member list, the last member included: recipients are reached in list order.
  const step = Math.max(1, Math.ceil(recipients / ONLINE_SAMPLE));
  const online = users.filter((_, i) => i % step === step - 1 || i === 0).slice(-ONLINE_SAMPLE);
  // The viewers spread over the sample too.
  const viewerCount = Math.min(MAX_VIEWERS, Math.ceil(recipients * VIEWER_SHARE), online.length);
  const viewerStep = online.length / viewerCount;
  const viewers = new Set(Array.from({ length: viewerCount }, (_, i) => online[Math.floor(i * viewerStep)]!.id));
  const heard = new Map(online.map((u) => [u.id, { inserts: new Map(), summaries: [] } as Heard]));
  let lastArrival = performance.now();
  const subscribers = await subscribe(bench, online, design, chatId, viewers, (userId, kind, payload) => {
    const at = performance.now();
    const mine = heard.get(userId)!;
    lastArrival = at;
    const key = payload.message?.message_number ?? payload.message?.id;
    if (kind === 'insert' && !mine.inserts.has(key)) mine.inserts.set(key, at);
    if (kind === 'update' && payload.reason === 'message') mine.summaries.push({ at, upTo: payload.data.last_message_number });
  });
  progress(`${online.length} of ${recipients} members online, ${viewers.size} with it open`);
  try {
    const logsBefore = bench.logs.length;
    const before = bench.stack.realtime.stats().eventsCounted;
    const requestsBefore = bench.stack.requestCounts().realtimeApi;
    let peak = 0;
    const sample = () => (peak = Math.max(peak, bench.stack.realtime.stats().eventsPerSecond));
    const started = performance.now();
    lastArrival = started;
    const send = sendFor(bench, design, users[0], chatId);
    const keys = (await Promise.all(Array.from({ length: sends }, (_, i) => send(`quota ${i}`)))).flat();
    // Large: a member not viewing has the messages once their inbox shows the last one.
    const bySummary = (userId: string) => design === 'large' && !viewers.has(userId);
    const timeOf = (ids: string[]) => {
      const times = ids.map((id) => hadAll(heard.get(id)!, keys, bySummary(id)));
      return times.some((t) => t === null) ? null : round(Math.max(...(times as number[])) - started);
    };
    const everyone = online.map((u) => u.id);
    const broadcastsDone = () =>
      design === 'seed' || (design === 'large' ? outcomes(bench, logsBefore, 'chat_send', chatId).some((l) => l.part === 'inbox') : outcomes(bench, logsBefore, 'chat_send', chatId).length >= sends);
    const quietFor = design === 'seed' ? QUIET_MS : PACED_QUIET_MS;
    while (!(timeOf(everyone) !== null && broadcastsDone()) && performance.now() - lastArrival < quietFor) {
      sample();
      await sleep(5);
    }
    // A large conversation's last coalesced update may still be on its way: wait for the broadcaster to go quiet.
    if (design === 'large') {
      let logged = bench.logs.length;
      do {
        logged = bench.logs.length;
        await sleep(QUIET_MS);
        sample();
      } while (bench.logs.length !== logged);
    }
    const counted = bench.stack.realtime.stats().eventsCounted - before;
    const ingress = bench.logs.slice(logsBefore).filter((l) => l.event === 'realtime_rest_broadcast').reduce((n, l) => n + Number(l.sent), 0);
    const fanouts = outcomes(bench, logsBefore, 'chat_send', chatId).filter((l) => l.part === 'inbox').length;
    const received = everyone.filter((id) => hadAll(heard.get(id)!, keys, bySummary(id)) !== null).length;
    const viewingAll = Math.ceil(recipients * VIEWER_SHARE);
    const perSend: Record<QuotaDesign, number> = {
      seed: 2 * recipients,
      ours: 4 * recipients,
      inline: 2 * recipients,
      large: 1 + viewingAll + (fanouts * 2 * recipients) / sends,
    };
    const row: QuotaCostRow = {
      plan,
      design,
      recipients,
      sends,
      online: online.length,
      viewers: viewers.size,
      ingress,
      deliveries: counted - ingress,
      quotaAllOnlinePerSend: round(perSend[design]),
      ...(design === 'large' ? { inboxFanouts: fanouts } : {}),
      realtimeRequests: bench.stack.requestCounts().realtimeApi - requestsBefore,
      timeToViewersMs: timeOf([...viewers]),
      timeToAllMs: timeOf(everyone),
      received,
      refused: bench.logs.slice(logsBefore).filter((l) => l.event === 'realtime_rest_rejected' && l.status === 429).length,
      peakEventsPerSecond: 0,
      limit: planLimits(STACK_PLANS[plan]).maxEventsPerSecond,
    };
    // Realtime's average moves only at its 5 s ticks: read it once more after the next one.
    await sleep(TICK_MS + 500);
    row.peakEventsPerSecond = round(Math.max(peak, sample()));
    return row;
  } finally {
    await subscribers.close();
  }
}

export interface QuotaCostPlan {
  plans: Plan[];
  /** Recipients for single sends, every design. */
  sizes: number[];
  /** Bursts of `sends` concurrent sends: the recipients, and the designs measured at that size. */
  bursts: { sends: number; runs: { recipients: number; designs: QuotaDesign[] }[] };
  /** Only these designs (default all). */
  designs?: QuotaDesign[];
}

export async function quotaCost(opts: QuotaCostPlan, progress: (m: string) => void = () => {}): Promise<QuotaCostRow[]> {
  const rows: QuotaCostRow[] = [];
  const stackOf = (design: QuotaDesign) => (design === 'seed' ? 'ours' : design);
  for (const plan of opts.plans) {
    for (const stack of ['ours', 'inline', 'large'] as const) {
      const designs = QUOTA_DESIGNS.filter((d) => stackOf(d) === stack && (opts.designs ?? QUOTA_DESIGNS).includes(d));
      if (designs.length === 0) continue;
      const bench = await startPlanBench(plan, DESIGN_ENV[stack]);
      try {
        for (const recipients of opts.sizes) {
          for (const design of designs) {
            progress(`quota cost: ${plan}, ${recipients} recipients, ${design}, one send`);
            const row = await measure(bench, plan, design, recipients, 1, progress);
            progress(JSON.stringify(row));
            rows.push(row);
          }
        }
        for (const { recipients, designs: measured } of opts.bursts.runs) {
          for (const design of designs.filter((d) => measured.includes(d))) {
            progress(`quota cost: ${plan}, ${recipients} recipients, ${design}, ${opts.bursts.sends} sends at once`);
            const row = await measure(bench, plan, design, recipients, opts.bursts.sends, progress);
            progress(JSON.stringify(row));
            rows.push(row);
          }
        }
      } finally {
        await bench.close();
      }
    }
  }
  // Measured stack by stack; shown plan by plan, single sends first, by size, the designs side by side.
  const order = (r: QuotaCostRow) => [opts.plans.indexOf(r.plan), r.sends, r.recipients, QUOTA_DESIGNS.indexOf(r.design)];
  return rows.sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    const i = x.findIndex((v, k) => v !== y[k]);
    return i < 0 ? 0 : x[i]! - y[i]!;
  });
}

export function quotaCostTable(rows: QuotaCostRow[]): string {
  const header =
    '| plan | design | recipients | sends | online (viewing) | Realtime messages sent | deliveries | quota per send, all online | requests | time to viewers (ms) | time to all online (ms) | received | 429s | peak events/s (limit) |\n' +
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|';
  const lines = rows.map((r) =>
    `| ${r.plan} | ${r.design} | ${r.recipients} | ${r.sends} | ${r.online} (${r.viewers}) | ${r.ingress} | ${r.deliveries} | ` +
    `${r.quotaAllOnlinePerSend}${r.inboxFanouts === undefined ? '' : ` (${r.inboxFanouts} inbox fan-out${r.inboxFanouts === 1 ? '' : 's'})`} | ` +
    `${r.realtimeRequests} | ${r.timeToViewersMs ?? 'never'} | ${r.timeToAllMs ?? 'never'} | ${r.received}/${r.online} | ${r.refused} | ${r.peakEventsPerSecond} (${r.limit}) |`
  );
  return [header, ...lines].join('\n');
}

/**
 * Each online participant's own client listening on their inbox channel (private for ours, public for
 * the seed), and the viewers of a large conversation on its message topic too. In this process: this
 * module counts quota and the paced time to all-received (seconds), which in-process clients do not distort.
 */
interface Subscribers {
  close(): Promise<void>;
}

type Listener = (userId: string, kind: 'insert' | 'update', payload: Record<string, any>) => void;

async function subscribe(bench: Bench, users: BenchUser[], design: QuotaDesign, chatId: string, viewers: Set<string>, listener: Listener): Promise<Subscribers> {
  const clients: SupabaseClient[] = [];
  const join = async (user: BenchUser) => {
    const client = clientFor(bench, user);
    clients.push(client);
    const onInsert = (payload: Record<string, any>) => listener(user.id, 'insert', payload);
    await joinInbox(client, user.id, design !== 'seed', onInsert, (payload) => listener(user.id, 'update', payload));
    if (design === 'large' && viewers.has(user.id)) await joinTopic(client, `chat-messages:${chatId}`, true, onInsert);
  };
  await joinInSlices(users, join);
  return {
    async close() {
      await Promise.all(clients.map((client) => client.removeAllChannels()));
      for (const client of clients) client.realtime.disconnect();
    },
  };
}

/** The function each design's sender calls; resolves to the numbers of the messages it stored. */
function sendFor(bench: Bench, design: QuotaDesign, sender: BenchUser, chatId: string) {
  return async (text: string): Promise<(number | string)[]> => {
    if (design !== 'seed') {
      const answer = await callFunction(bench, 'chat-send', sender, { chat_id: chatId, text });
      return answer.messages.map((m: { message_number: number }) => m.message_number);
    }
    // The seed's messages have no numbers; its broadcast carries the stored row, found by id.
    const answer = await callFunction(bench, 'seed-chat-send', sender, { chat_id: chatId, text, user_id: sender.id });
    return [answer.data.id];
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick');
  const planArg = process.argv[process.argv.indexOf('--plan') + 1] as Plan;
  const plans: Plan[] = process.argv.includes('--plan') ? [planArg] : quick ? ['Free'] : ['Free', 'Pro', 'Team'];
  const designs = process.argv.includes('--designs') ? (process.argv[process.argv.indexOf('--designs') + 1]!.split(',') as QuotaDesign[]) : undefined;
  const plan = quick ? quickPlan(plans) : fullPlan(plans);
  const rows = await quotaCost({ ...plan, designs: designs ?? plan.designs }, (m) => console.error(`[bench] ${m}`));
  console.log(quotaCostTable(rows));
  process.exit(0);
}

/** What `npm run bench` measures (and this module alone, without --quick). */
/**
 * What `npm run bench` measures (and this module alone, without --quick). The default design's burst
 * at 1000 members is left out: it is twice inline's (two messages per recipient per send, paced alike),
 * 9 minutes on Free.
 */
export function fullPlan(plans: Plan[] = ['Free', 'Pro', 'Team']): QuotaCostPlan {
  return {
    plans,
    sizes: [2, 10, 100, 1000],
    bursts: { sends: 10, runs: [{ recipients: 100, designs: ['ours', 'inline', 'large'] }, { recipients: 1000, designs: ['inline', 'large'] }] },
  };
}

/** A smoke run: two stacks, one send each (the inline stack differs from the default by one setting). */
export function quickPlan(plans: Plan[] = ['Free']): QuotaCostPlan {
  return { plans, sizes: [2], bursts: { sends: 10, runs: [] }, designs: ['ours', 'seed', 'large'] };
}
