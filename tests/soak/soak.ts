// The fault-injection soak (issue 10): real InboxStores on a local stack, concurrent senders mixing
// every way of sending, faults one at a time, and after each fault the time until every store equals
// the database. `npm run soak` runs it from the command line (scripts/soak.ts); a small version runs
// in the vitest suite (tests/e2e/soak.test.ts).
import { randomUUID } from 'node:crypto';
import { InboxStore, isOptimistic } from 'supabase-realtime-inbox/client';
import { type Plan, PLAN_LIMITS } from 'supabase-realtime-inbox-local';
import { inboxMismatches, serverInbox } from '../support/inbox-check.ts';
import { type LossyNetwork, lossyNetwork } from '../support/lossy-network.ts';
import { asUser, signUp, startLocalTarget, type TestUser } from '../support/stack.ts';

export const FAULTS = [
  'realtime-restart-short',
  'realtime-restart-long',
  'sockets-terminated',
  'disconnect-connect',
  'client-stops-reading',
  'broadcast-refused',
  'broadcast-dropped',
  'function-killed-after-commit',
  'answers-lost',
] as const;
export type Fault = (typeof FAULTS)[number];

export interface SoakOptions {
  engine: 'postgres' | 'pglite';
  /** The hosted plan whose Realtime quotas the local stack enforces (and the functions pace to). */
  plan?: Plan;
  users: number;
  conversations: number;
  /** Sends answered 200, in all (batches count once per message). */
  messages: number;
  /** Concurrent senders. */
  senders: number;
  checkpointIntervalMs: number;
  faults: readonly Fault[];
  /** How long each fault lasts, scaled: 1 = the durations (Realtime down 8 s, broadcast API refusing 7 s). */
  faultScale: number;
  /** Give up waiting for convergence after a fault (ms). */
  convergeTimeoutMs: number;
  log: (line: Record<string, unknown>) => void;
}

export interface SoakReport {
  engine: string;
  plan: Plan;
  users: number;
  conversations: number;
  answered: number;
  /** Sends the store gave up on (a request killed before its commit) that the user retried. */
  retried: number;
  stored: number;
  events_expected: number;
  events_received: number;
  gap_reads: number;
  repairs: number;
  rejoins: number;
  checkpoint_interval_ms: number;
  faults: { fault: Fault; lasted_ms: number; converged_ms: number | null }[];
  mismatches: string[];
  seconds: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A small deterministic PRNG, so a failing run can be repeated with its seed. */
function prng(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function runSoak(options: SoakOptions, seed = Date.now()): Promise<SoakReport> {
  const started = Date.now();
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const { log } = options;
  log({ event: 'soak_started', seed, ...options, log: undefined });

  const target = await startLocalTarget({ engine: options.engine, realtimeLimits: PLAN_LIMITS[options.plan ?? 'free'] });
  const stores: InboxStore[] = [];
  try {
    const users: TestUser[] = [];
    // Each user's HTTP requests go through a network that can lose answers (the 'answers-lost' fault).
    const networks: LossyNetwork[] = [];
    for (let i = 0; i < options.users; i++) {
      networks.push(lossyNetwork());
      users.push(await signUp(target, `soak${i}`, { fetch: networks[i]!.fetch }));
    }
    let eventsReceived = 0;
    for (const user of users) {
      const store = new InboxStore(user.client, {
        onError: () => {},
        checkpointIntervalMs: options.checkpointIntervalMs,
        retry: { attempts: 4, baseMs: 200, maxMs: 2000 },
        // Short enough that a lost answer is tried again within the fault; long enough for a loaded CI box.
        requestTimeoutMs: 2000,
      });
      store.service.on('message-insert', () => eventsReceived++);
      stores.push(store);
    }
    await Promise.all(stores.map((s) => s.start()));

    // Conversations of 2–20 members (at most the users there are), created by one of them.
    const members = new Map<string, number[]>();
    for (let c = 0; c < options.conversations; c++) {
      const size = Math.min(options.users, 2 + Math.floor(random() * 19));
      const chosen = [...users.keys()].sort(() => random() - 0.5).slice(0, size);
      const conversation = await stores[chosen[0]!]!.create({
        title: `soak ${c}`,
        participant_ids: chosen.slice(1).map((i) => users[i]!.id),
      });
      // An opening message, so the history every store loads starts at 1: a lost first event is then a gap.
      await stores[chosen[0]!]!.send(conversation.id, 'hello');
      members.set(conversation.id, chosen);
    }
    const memberships = users.map((_, i) => [...members].filter(([, m]) => m.includes(i)).map(([id]) => id));
    await waitUntilConverged(users, stores, options.convergeTimeoutMs);
    // Every store follows the messages of every conversation it is in, as an open chat window would.
    await Promise.all(stores.map((store, i) => Promise.all(memberships[i]!.map((id) => store.loadMessages(id)))));

    const answered = new Set<string>();
    let sent = 0;
    let retried = 0;
    /** Senders until `count` more messages are answered, or while `until` is pending. */
    const workload = async (count: number, until?: Promise<unknown>) => {
      const goal = sent + count;
      let over = false;
      void until?.then(() => (over = true));
      await Promise.all(
        Array.from({ length: options.senders }, async () => {
          while (until ? !over : sent < goal) {
            const u = Math.floor(random() * users.length);
            if (memberships[u]!.length === 0) continue;
            const chat = pick(memberships[u]!);
            const ids = await act(target, users[u]!, stores[u]!, chat, random).catch(() => []);
            for (const id of ids) answered.add(id);
            sent += ids.length;
          }
        }),
      );
    };

    // Clean phases between the faults; during a fault the senders keep sending until it is over. Convergence
    // is timed from the end of the fault (the senders' last requests still finishing count in it).
    const faults: SoakReport['faults'] = [];
    const perPhase = Math.ceil(options.messages / (options.faults.length + 1));
    for (const fault of options.faults) {
      await workload(perPhase);
      const faultStarted = Date.now();
      const injected = inject(fault, target, users, networks, options.faultScale);
      const sending = workload(0, injected);
      await injected;
      const faultEnded = Date.now();
      await sending;
      retried += await retryFailed(stores, answered);
      const convergedMs = await waitUntilConverged(users, stores, options.convergeTimeoutMs);
      const sinceEnd = convergedMs === null ? null : Date.now() - faultEnded;
      faults.push({ fault, lasted_ms: faultEnded - faultStarted, converged_ms: sinceEnd });
      log({ event: 'soak_fault', fault, lasted_ms: faultEnded - faultStarted, converged_ms: sinceEnd, answered: answered.size });
    }
    if (sent < options.messages) await workload(options.messages - sent);
    retried += await retryFailed(stores, answered);
    await Promise.all(stores.map((s) => s.whenIdle()));
    await waitUntilConverged(users, stores, options.convergeTimeoutMs);

    const mismatches = await finalCheck(target, users, stores, members, answered);
    const sums = stores.reduce(
      (sum, s) => ({ gap: sum.gap + s.stats.gapReads, repairs: sum.repairs + s.stats.repairs, rejoins: sum.rejoins + s.stats.rejoins }),
      { gap: 0, repairs: 0, rejoins: 0 },
    );
    const [{ stored, expected }] = await target.stack.db.transaction((tx) =>
      tx.query<{ stored: number; expected: number }>(
        `select count(*)::int stored,
                coalesce(sum((select count(*) from conversations_participants p where p.conversation_id = m.chat_id)), 0)::int expected
         from messages m`,
      ),
    );
    const report: SoakReport = {
      engine: options.engine,
      plan: options.plan ?? 'free',
      users: options.users,
      conversations: options.conversations,
      answered: answered.size,
      retried,
      stored,
      events_expected: expected,
      events_received: eventsReceived,
      gap_reads: sums.gap,
      repairs: sums.repairs,
      rejoins: sums.rejoins,
      checkpoint_interval_ms: options.checkpointIntervalMs,
      faults,
      mismatches,
      seconds: Math.round((Date.now() - started) / 1000),
    };
    log({ event: 'soak_finished', ...report, mismatches: mismatches.length, mismatch_examples: mismatches.slice(0, 10) });
    return report;
  } finally {
    for (const store of stores) store.stop();
    await target.stop();
  }
}

type Target = Awaited<ReturnType<typeof startLocalTarget>>;

/**
 * What a user does with a message marked failed (its request died before the commit, every retry too):
 * taps retry, until it is stored. Returns how many there were.
 */
async function retryFailed(stores: InboxStore[], answered: Set<string>): Promise<number> {
  let count = 0;
  await Promise.all(
    stores.flatMap((store) =>
      Object.entries(store.getSnapshot().messages).flatMap(([chatId, messages]) =>
        messages.filter((m) => isOptimistic(m) && m.status === 'failed').map(async (m) => {
          count++;
          for (let attempt = 0; attempt < 5; attempt++) {
            const stored = await store.retry(chatId, m.client_msg_id!).catch(() => null);
            if (stored) return answered.add(stored.id);
            await sleep(500);
          }
        })
      )
    ),
  );
  return count;
}

/** One action of one user: the ids of the messages answered 200 (none for a read or a failure). */
async function act(target: Target, user: TestUser, store: InboxStore, chatId: string, random: () => number): Promise<string[]> {
  const roll = random();
  const text = `t${Math.floor(random() * 1e9)}`;
  const direct = async (body: object, signal?: AbortSignal) => {
    const response = await fetch(`${target.url}/functions/v1/chat-send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...asUser(target, user) },
      body: JSON.stringify(body),
      signal,
    });
    const answer = await response.json().catch(() => null);
    return response.status === 200 ? (answer.messages as { id: string }[]).map((m) => m.id) : [];
  };
  if (roll < 0.5) return [(await store.send(chatId, text)).id];
  if (roll < 0.62) return direct({ chat_id: chatId, text, client_msg_id: randomUUID() });
  if (roll < 0.68) {
    // Voice mode: a batch of consecutive messages.
    return direct({ chat_id: chatId, messages: [{ text }, { text: `${text}b`, client_msg_id: randomUUID() }] });
  }
  if (roll < 0.78) {
    // Raced retries: the same client_msg_id twice at once is one message.
    const body = { chat_id: chatId, text, client_msg_id: randomUUID() };
    const [a, b] = await Promise.all([direct(body), direct(body)]);
    if (a.length && b.length && a[0] !== b[0]) throw new Error(`raced client_msg_id stored twice: ${a[0]} ${b[0]}`);
    return a.length ? a : b;
  }
  if (roll < 0.86) {
    // Aborted, then retried with the same client_msg_id until answered.
    const body = { chat_id: chatId, text, client_msg_id: randomUUID() };
    await direct(body, AbortSignal.timeout(1 + Math.floor(random() * 15))).catch(() => []);
    for (let attempt = 0; attempt < 5; attempt++) {
      const ids = await direct(body).catch(() => []);
      if (ids.length) return ids;
      await sleep(200);
    }
    return [];
  }
  await store.markRead(chatId);
  return [];
}

async function inject(fault: Fault, target: Target, users: TestUser[], networks: LossyNetwork[], scale: number): Promise<void> {
  const { stack } = target;
  const ms = (base: number) => Math.max(50, Math.round(base * scale));
  const chosen = (_: unknown, i: number) => i % 3 === 0;
  const some = users.filter(chosen);
  switch (fault) {
    // The broadcaster's budget for an unreachable Realtime is 4 attempts, 0.35–1.05 s of backoff in all.
    case 'realtime-restart-short': // shorter than that budget: retries get through
      await stack.realtime.stop();
      await sleep(ms(250));
      return stack.realtime.start();
    case 'realtime-restart-long': // longer than the budget: broadcasts are given up
      await stack.realtime.stop();
      await sleep(ms(8_000));
      return stack.realtime.start();
    case 'sockets-terminated':
      await stack.realtime.stop();
      stack.realtime.start();
      await sleep(ms(2_000));
      return;
    case 'disconnect-connect':
      for (const user of some) user.client.realtime.disconnect();
      await sleep(ms(1_500));
      for (const user of some) user.client.realtime.connect();
      await sleep(ms(1_000));
      return;
    case 'client-stops-reading': {
      // The socket stays open but nothing is read from it: the server's send buffer fills.
      const sockets = some.map((u) => tcpSocketOf(u));
      for (const socket of sockets) socket.pause();
      await sleep(ms(5_000));
      for (const socket of sockets) socket.resume();
      return;
    }
    case 'broadcast-refused':
      stack.faults.broadcastApi(503);
      await sleep(ms(7_000));
      return stack.faults.broadcastApi(null);
    case 'broadcast-dropped':
      stack.faults.broadcastApi('drop');
      await sleep(ms(5_000));
      return stack.faults.broadcastApi(null);
    case 'function-killed-after-commit':
      stack.faults.killFunctionsAtBroadcast(true);
      await sleep(ms(3_000));
      return stack.faults.killFunctionsAtBroadcast(false);
    case 'answers-lost': {
      // Requests reach the server and are acted on; their answers never come back to these users.
      const lossy = networks.filter(chosen);
      for (const network of lossy) network.loseAll(true);
      await sleep(ms(5_000));
      for (const network of lossy) network.loseAll(false);
      return;
    }
  }
}

type Pausable = { pause(): void; resume(): void };

/** The TCP socket under a client's Realtime WebSocket (realtime-js → phoenix Socket → ws → net.Socket). */
function tcpSocketOf(user: TestUser): Pausable {
  const realtime = user.client.realtime as unknown as { socketAdapter?: { socket?: { conn?: { _socket?: Pausable } } } };
  const socket = realtime.socketAdapter?.socket?.conn?._socket;
  if (!socket) throw new Error(`${user.email} has no open Realtime socket to stop reading`);
  return socket;
}

/** Milliseconds until every store equals its user's chat_inbox (null: not within the timeout). */
async function waitUntilConverged(users: TestUser[], stores: InboxStore[], timeoutMs: number): Promise<number | null> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const results = await Promise.all(users.map(async (u, i) => inboxMismatches(stores[i]!, await serverInbox(u.client)).length));
    if (results.every((n) => n === 0)) return Date.now() - started;
    await sleep(250);
  }
  return null;
}

/** Every store equals the database, message for message; the database is numbered 1..n and holds every message answered 200. */
async function finalCheck(
  target: Target,
  users: TestUser[],
  stores: InboxStore[],
  members: Map<string, number[]>,
  answered: Set<string>,
): Promise<string[]> {
  const problems: string[] = [];
  const rows = await target.stack.db.transaction((tx) =>
    tx.query<{ id: string; chat_id: string; message_number: number }>('select id, chat_id, message_number from messages order by chat_id, message_number'),
  );
  const byChat = new Map<string, string[]>();
  for (const row of rows) {
    const list = byChat.get(row.chat_id) ?? [];
    if (row.message_number !== list.length + 1) problems.push(`database: ${row.chat_id} has ${row.message_number} after ${list.length}`);
    list.push(row.id);
    byChat.set(row.chat_id, list);
  }
  const storedIds = new Set(rows.map((r) => r.id));
  for (const id of answered) if (!storedIds.has(id)) problems.push(`database: message ${id} was answered 200 but is not stored`);
  for (const [i, store] of stores.entries()) {
    problems.push(...inboxMismatches(store, await serverInbox(users[i]!.client)).map((p) => `${users[i]!.email}: ${p}`));
    const { messages } = store.getSnapshot();
    for (const [chatId, memberIndexes] of members) {
      if (!memberIndexes.includes(i)) continue;
      const held = (messages[chatId] ?? []).filter((m) => !isOptimistic(m)).map((m) => m.id);
      const truth = byChat.get(chatId) ?? [];
      if (held.join() !== truth.join()) problems.push(`${users[i]!.email}: ${chatId} holds ${held.length} messages, the database ${truth.length}`);
    }
  }
  return problems;
}
