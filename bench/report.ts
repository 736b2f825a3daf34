// Turns a run's results into the stdout table, docs/benchmarks.md and the latency chart (SVG).
import type { ChannelsResult } from './channels.ts';
import type { ConvergenceResult } from './convergence.ts';
import type { DatabaseResult } from './database.ts';
import type { FanoutDesign, FanoutDesignResult, FanoutResult } from './fanout.ts';
import type { FunctionLatencyResult } from './function-latency.ts';
import type { LiteCostResult } from './lite-cost.ts';
import type { Counts, Engine } from './harness.ts';
import type { RealtimeThroughputResult } from './realtime-throughput.ts';
import type { RowLockResult } from './row-lock.ts';
import { type Distribution, formatDistribution, formatRatio, middle, MIN_SAMPLES_FOR_P99, type Ratio, ratioOf, round } from './stats.ts';
import type { ThroughputResult } from './throughput.ts';
import { type QuotaCostRow, quotaCostTable } from './quota-cost.ts';

/** A targeted run (`--only`) leaves out the modules it did not run. */
export interface EngineResults {
  engine: Engine;
  fanout?: FanoutResult[];
  throughput?: ThroughputResult[];
  database?: DatabaseResult;
  rowLock?: RowLockResult;
  lite?: LiteCostResult;
  channels?: ChannelsResult[];
  /** Ours only. */
  functionLatency?: FunctionLatencyResult[];
  convergence?: ConvergenceResult[];
  realtime?: RealtimeThroughputResult;
}

export interface RunResults {
  mode: 'quick' | 'full' | 'targeted';
  startedAt: string;
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; platform: string; loadAverage: number[] };
  engines: EngineResults[];
  /** Realtime quota per send by plan, on PGlite stacks enforcing each plan (bench/quota-cost.ts). */
  quotaCost?: QuotaCostRow[];
}

export interface Goal {
  goal: string;
  measured: string;
  met: boolean | undefined;
  /** Not one of the issue's goals: a measured bound that explains one of them. */
  reference?: boolean;
}

type Measured = keyof FanoutResult['designs'];

function ratioFrom(f: FanoutResult, a: Measured, b: Measured, what: 'delivery' | 'response', field: 'median' | 'p99' = 'median') {
  const [x, y] = [f.designs[a], f.designs[b]];
  return x && y ? ratioOf(x[what], x[`${what}Rounds`], y[what], y[`${what}Rounds`], field) : undefined;
}

const at = (r: Ratio | undefined, test: (v: number) => boolean) => (r ? test(r.value) : undefined);

/** The 2-participant latency goals and their references: met at 1.5× or less. */
const atMostHalfAgain = (goal: string, ratio: Ratio | undefined, reference?: true): Goal => ({
  goal,
  measured: formatRatio(ratio),
  met: at(ratio, (v) => v <= 1.5),
  ...(reference ? { reference } : {}),
});

/** The #16 goals, as ratios measured in this run; reported whether met or not. */
export function goals(results: EngineResults): Goal[] {
  const out: Goal[] = [];
  const db = results.database;
  if (db) out.push({ goal: 'chat_send ≤ 2× a bare INSERT (database only, median)', measured: formatRatio(db.ratio), met: db.ratio.value <= 2 });
  const rl = results.rowLock;
  if (rl) {
    const perRound = (a: number[], b: number[]) => a.map((v, i) => v / b[i]);
    const rlRatio = (a: number[]): Ratio => {
      const rounds = perRound(a, rl.floorRounds);
      return { value: round(middle(rounds), 2), range: [round(Math.min(...rounds), 2), round(Math.max(...rounds), 2)] };
    };
    const small = rlRatio(rl.chatSend2Rounds);
    const large = rlRatio(rl.chatSend1000Rounds);
    out.push(
      { goal: `sends/s into one conversation (${rl.writers} writers), 2 participants ≥ 0.6× the row-lock floor`, measured: formatRatio(small), met: small.value >= 0.6 },
      { goal: `the same at ${rl.largeParticipants} participants ≥ 0.3× the floor`, measured: formatRatio(large), met: large.value >= 0.3 },
    );
  }
  const fanouts = results.fanout ?? [];
  const two = fanouts.find((f) => f.participants === 2);
  if (two) {
    const answered = ratioFrom(two, 'ours', 'floor', 'response');
    const received = ratioFrom(two, 'ours', 'floor', 'delivery');
    out.push(
      atMostHalfAgain('answered ≤ 1.5× the same-hops floor, 2 participants (median)', answered),
      atMostHalfAgain('all received ≤ 1.5× the same-hops floor, 2 participants (median)', received),
    );
    if (two.designs.liteFloor) {
      // The floor through lite is ours' path with chat_send's work taken out: if it alone is past 1.5×
      // the same-hops floor, no design that stores through lite as the user meets the goals above.
      const hop = ratioFrom(two, 'liteFloor', 'floor', 'response');
      const answeredLite = ratioFrom(two, 'ours', 'liteFloor', 'response');
      const receivedLite = ratioFrom(two, 'ours', 'liteFloor', 'delivery');
      out.push(
        atMostHalfAgain('the floor through lite as the sender, answered ≤ 1.5× the same-hops floor (else no design storing through lite meets the goals above)', hop, true),
        atMostHalfAgain('answered ≤ 1.5× the floor through lite as the sender, 2 participants (median)', answeredLite, true),
        atMostHalfAgain('all received ≤ 1.5× the floor through lite as the sender, 2 participants (median)', receivedLite, true),
      );
    }
  }
  for (const f of fanouts) {
    const med = ratioFrom(f, 'ours', 'seed', 'delivery');
    const p99 = ratioFrom(f, 'ours', 'seed', 'delivery', 'p99');
    out.push({
      goal: `ahead of the seed at ${f.participants} participants: all received, ours / seed, median and p99`,
      measured: `median ${formatRatio(med)}; p99 ${p99 ? p99.value : `n/a (under ${MIN_SAMPLES_FOR_P99} samples)`}`,
      met: p99 ? (med?.value ?? Infinity) < 1 && p99.value < 1 : undefined,
    });
  }
  return out;
}

const verdict = (g: Goal) => `${g.met === undefined ? 'not measurable' : g.met ? 'met' : 'NOT met'}${g.reference ? ' (reference, not a goal)' : ''}`;
const counted = (c: Counts) => [
  [`PostgREST requests / send`, c.rest],
  [`Postgres statements / send (sent by lite)`, c.statements],
  [`database round trips / send (lite sends BEGIN and its settings with the next statement)`, c.roundTrips ?? c.statements],
  [`Realtime REST requests / send`, c.realtimeApi],
  [`Realtime messages / send: in (REST)`, c.realtimeMessages],
  [`Realtime messages / send: delivered (frames to sockets)`, c.realtimeDeliveries],
] as const;

const DESIGNS = ['ours', 'seed', 'floor'] as const;
const HEADER = ['measure', 'ours', 'seed design', 'same-hops floor', 'floor through lite (as the sender)'];
/** The fan-out's designs in HEADER's order; the floor through lite is measured at 2 participants only. */
const COLUMN_DESIGNS = [...DESIGNS, 'liteFloor'] as const;

function rows(results: EngineResults): string[][] {
  const out: string[][] = [];
  for (const f of results.fanout ?? []) {
    const d = f.designs;
    const p = `${f.participants} participants`;
    const cells = (cell: (r: FanoutDesignResult) => string) => COLUMN_DESIGNS.map((k) => (d[k] ? cell(d[k]) : ''));
    out.push(
      [`${p}: answered`, ...cells((r) => formatDistribution(r.response))],
      [`${p}: send → all received`, ...cells((r) => formatDistribution(r.delivery))],
      ...counted(d.ours.perSend).map(([label], i) => [`${p}: ${label}`, ...cells((r) => `${counted(r.perSend)[i][1]}`)]),
    );
  }
  const throughputs = results.throughput ?? [];
  const senders = [...new Set(throughputs.map((t) => t.senders))];
  for (const n of senders) {
    const cell = (design: 'ours' | 'seed') => {
      const t = throughputs.find((x) => x.design === design && x.senders === n)!;
      return `${t.messagesPerSecond} (rounds ${Math.min(...t.perSecondRounds)}–${Math.max(...t.perSecondRounds)}; lost ${t.lost}, dup ${t.duplicates})`;
    };
    const t = throughputs[0];
    out.push([`throughput, ${n} sender(s) × ${t.participants} participants, answered within ${t.seconds} s: sends/s`, cell('ours'), cell('seed'), '']);
  }
  const db = results.database;
  if (db) {
    out.push(
      [`database only: chat_send RPC (ours) vs bare INSERT (floor)`, formatDistribution(db.rpc), '', formatDistribution(db.insert)],
      [`database only: rows written per send`, `${db.rpcRowsWritten}`, '', '1'],
    );
  }
  const rl = results.rowLock;
  const range = (v: number[]) => `rounds ${Math.min(...v)}–${Math.max(...v)}`;
  if (rl) {
    out.push(
      [`one conversation, ${rl.writers} writers (${rl.writersVia}), database only: sends/s at 2 participants`, `${rl.chatSend2} (${range(rl.chatSend2Rounds)})`, '', `${rl.floor} (${range(rl.floorRounds)}, row-lock numbering)`],
      [`the same at ${rl.largeParticipants} participants`, `${rl.chatSend1000} (${range(rl.chatSend1000Rounds)})`, '', `${rl.floor} (the floor does not depend on the group)`],
    );
  }
  const lite = results.lite;
  if (lite) {
    out.push(
      ['one-row read, bare statement in a transaction', '', '', formatDistribution(lite.direct)],
      ['the same read through lite, secret key', formatDistribution(lite.secretKey), '', ''],
      ['the same read through lite, user token (RLS and claims as the user)', formatDistribution(lite.userToken), '', ''],
    );
  }
  for (const c of results.channels ?? []) {
    out.push([
      `client, ${c.conversations} conversation(s): connections / channels`,
      `${c.ours.connections} / ${c.ours.channels}`,
      `${c.perConversation.connections} / ${c.perConversation.channels} (channel per conversation)`,
      '',
    ]);
  }
  return out.map((r) => [...r, ...Array(HEADER.length - r.length).fill('')]);
}

function oursOnly(results: EngineResults): string[][] {
  return [
    ...(results.functionLatency ?? []).map((f) => [
      `chat-send answers, ${f.participants} participants, nobody subscribed`,
      `${formatDistribution(f.answered)}; ${f.perSend.rest} PostgREST request, ${f.perSend.statements} statements in ${f.perSend.roundTrips} round trips, ${f.perSend.realtimeApi} Realtime request per send`,
    ]),
    ...(results.convergence ?? []).map((c) => [
      `InboxStore back in sync after ${c.missed} missed messages: ms from Realtime back / from rejoined`,
      `${c.convergeMs} / ${c.catchUpMs} (holds ${c.held}/${c.missed}, ${c.inOrder ? 'in order' : 'OUT OF ORDER'})`,
    ]),
    ...(results.realtime
      ? [[
        `Realtime server: deliveries/s to ${results.realtime.subscribers} private subscribers from REST batches`,
        `${results.realtime.deliveriesPerSecond} (${results.realtime.deliveries} deliveries)`,
      ]]
      : []),
  ];
}

const goalRows = (results: EngineResults) => goals(results).map((g) => [g.goal, g.measured, verdict(g)]);

export function textTable(run: RunResults): string {
  const align = (table: string[][]) => {
    const widths = table[0].map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
    return table.map((r) => r.map((cell, i) => (cell ?? '').padEnd(widths[i])).join('  '));
  };
  return run.engines.map((results) =>
    [
      `== ${results.engine} (${run.mode}) ==`,
      ...align([HEADER, ...rows(results)]),
      '',
      ...align([['goal (#16)', 'measured: ratio (per-round range)', ''], ...goalRows(results)]),
      '',
      ...align([['ours only', ''], ...oursOnly(results)]),
    ].join('\n')
  ).concat(run.quotaCost ? [`== Realtime quota per send, by plan ==\n${quotaCostTable(run.quotaCost)}`] : []).join('\n\n');
}

const mdTable = (header: string[], body: string[][]) =>
  [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');

function profile(results: EngineResults): string[][] {
  const m = (d: Distribution) => `${d.median}`;
  return (results.fanout ?? []).map((f) => {
    const { ours, seed, floor } = f.designs;
    return [`${f.participants}`, m(ours.response), `${ours.rpcMedianMs ?? ''}`, `${ours.broadcastMedianMs ?? ''}`, m(ours.delivery), m(floor.response), m(floor.delivery), m(seed.response), m(seed.delivery)];
  });
}

/** docs/benchmarks-notes.md: written by hand, kept by every run (see markdown()). */
export const NOTES_FILE = 'benchmarks-notes.md';

/** The notes as they go into the page: without the comment that says where they come from. */
export const notesSection = (notes: string) => notes.replace(/^<!--[\s\S]*?-->\s*/, '').trim();

/**
 * docs/benchmarks.md. `notes` (docs/benchmarks-notes.md) is the hand-written part: what the old
 * figures got wrong, the before → after figures of each speed-up. It goes in after the introduction,
 * so a full run regenerates every table without losing it.
 */
export function markdown(run: RunResults, notes?: string): string {
  const { machine } = run;
  return `# Benchmarks

Measured by \`npm run bench\` on the local stack with real supabase-js clients: ours, the seed design and
the same-hops floor in one run, taking turns in every round. The seed design is rebuilt faithfully in
\`bench/seed-chat-send\` (insert, a separate participants query, then one \`channel.send()\` per participant —
a Realtime REST request each). The floor (\`bench/floor-send\`) takes our hops with nothing on them.
All run in the same stack, the same Deno runtime and the same database.

**Ratios are the headline; absolute times are from this machine only:** ${machine.cpu},
${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}; run started ${run.startedAt};
load average at the start ${machine.loadAverage.map((l) => round(l, 2)).join(' / ')} (1/5/15 min).
The stack, the client processes and the database share those ${machine.cores} cores.

Reproduce: \`npm install && npm run bench\` (both engines; Postgres from \`DATABASE_URL\`, default
\`postgres://postgres@127.0.0.1:5432/postgres\`; \`pgbench\` on the PATH). \`npm run bench -- --quick\` is a smoke
run. Raw numbers: \`bench/results/latest.json\`.

Latencies read: median (lowest–highest median of a single round; p99 over all samples, printed only
with at least ${MIN_SAMPLES_FOR_P99} samples; n = samples). Ratios: the median of the per-round ratios
(lowest–highest).

![send → every participant received, median, by group size](benchmarks-latency.svg)
${notes ? `\n<!-- From docs/${NOTES_FILE} (written by hand; edit it there, not here). -->\n\n${notesSection(notes)}\n` : ''}
${run.engines.map((results) => `## ${results.engine === 'pglite' ? 'Embedded PGlite (the default)' : 'Postgres 15'}

${mdTable(['goal (#16)', 'measured: ratio (per-round range)', ''], goalRows(results))}

${mdTable(HEADER, rows(results))}

${mdTable(['ours only', ''], oursOnly(results))}

Where the time of one send goes (medians, ms): the function answers after its RPC (the floor after its
INSERT); the broadcast is one request to the Realtime REST API, made after the answer; delivery is until
the last participant has the message.

${mdTable(['participants', 'ours: answered', 'ours: RPC', 'ours: broadcast request', 'ours: all received', 'floor: answered', 'floor: all received', 'seed: answered', 'seed: all received'], profile(results))}
`).join('\n')}
${run.quotaCost ? `## Realtime quota per send, by plan

The messages hosted Realtime counts against the project's events/s per send (sent + delivered), and the
time until every online member has it on a local stack enforcing each plan's quotas; how to read it:
[quota-cost.md](quota-cost.md).

${quotaCostTable(run.quotaCost)}
` : ''}
${READING}`;
}

export const READING = `## Reading these numbers

- **Requests are the structural win; messages are not.** Ours makes one PostgREST request and one
  Realtime REST request per send whatever the group size (the batch is split only above 500 events: at
  1000 participants a send is 2000 events, so 4 requests). The seed makes 2 PostgREST requests and one
  Realtime request per participant. But ours sends two Realtime messages per recipient
  (\`message-insert\` and \`conversation-update\`) against the seed's one, so it uses about twice the
  Realtime messages per send — and messages, not requests, are what the hosted quota counts.
- **PostgREST requests are not database statements.** lite (our local PostgREST) runs several
  statements per request: BEGIN, the caller's role and claims, PostgREST's \`request.*\` settings, the
  call, a read of \`response.*\`, COMMIT, and for a user token a user and a session lookup. lite sets
  each setting with its own \`set_config\` (ten statements per RPC); the stack batches them into two
  (\`src/local/lite-statements.ts\`), which took ours from 15 to 7 statements per send and the seed
  from 18 to 12, and skips the lookups on REST (\`src/local/lite-rest-identity.ts\`), which took ours
  to 6. BEGIN and the settings answer nothing lite reads, so they go with the next statement (one
  multi-statement \`exec\` on PGlite, one pipelined write on Postgres): ours' 6 statements take 3 round
  trips on Postgres, 4 calls on PGlite.
- **What lite costs.** Every lite request pays its sequential statements, whoever calls: compare the
  one-row read through lite with the secret key against the bare statement. A user token adds RLS and
  its claims: the user-token row against the secret-key row. lite also looked the token's user and
  session up on every REST request (1.4–1.9 ms on a quiet machine), though its REST layer takes the
  identity from the token; hosted PostgREST looks nothing up, and neither does the stack now. Hosted
  PostgREST verifies the token once and sends its settings in one statement.
- **Large groups: the fan-out dominates.** At 100 and 1000 participants the seed spends its time on
  one Realtime request per participant; ours spends it in the Realtime server writing frames to every
  subscriber (the \`broadcast request\` column), once per event.
- **Back in sync**: the time from Realtime coming back is mostly realtime-js's own reconnect backoff
  (1, 2, 5, 10 s after a drop); the time from the rejoin is the store's catch-up reads.

## How each number is taken

- **Rounds**: every comparison runs its contenders in turns within each round, the order rotating
  from round to round, so a slow moment of the shared machine does not land on one design only (the
  fan-out's order also runs backwards every other round, so no design always follows the same one).
- **Clients**: subscribers and senders run in client processes of their own (\`bench/client-worker.ts\`),
  not on the stack's event loop; arrival and send times are epoch milliseconds at sub-millisecond
  resolution, compared across the processes.
- **answered / send → all received**: from the sender calling the function until its answer, and until
  the last participant's client got the \`message-insert\` event; one send at a time after a warm-up.
- **PostgREST requests, Realtime REST requests**: requests the stack served on \`/rest/v1/*\` and
  \`/realtime/v1/api/*\`; **statements**: statements lite's driver sent; **Realtime messages**: messages
  the Realtime REST API accepted and sent on (in) and frames it wrote to sockets for them (delivered),
  from its log lines; all divided by the sends.
- **same-hops floor**: the gateway verifies the JWT, Deno runs a function that INSERTs one row
  (autocommit) and answers, then makes one Realtime REST request with two private messages per
  recipient. On Postgres the INSERT goes straight to the database; on PGlite there is no connection
  string, so there it is one lite REST request (and the floor includes lite's per-request cost).
- **floor through lite (as the sender)**, at 2 participants: the same floor, but its INSERT is one RPC
  through lite carrying the sender's token (\`floor_insert\`, a security-definer SQL function doing only
  the INSERT), on either engine: chat-send's path with \`chat_send\`'s work taken out, the same
  statements and round trips as ours (lite verifies the token and sets the user's claims). The goals are
  against the same-hops floor; the rows marked "reference" put ours against this one, and this one
  against the same-hops floor: the least any design that stores through lite as the user can reach.
- **throughput**: senders in one conversation each send as soon as their previous answer arrives, for
  a fixed window; only sends answered inside the window count. Afterwards every participant must hold
  every message exactly once (lost and duplicate deliveries are counted).
- **database only**: \`chat_send\` against a bare \`INSERT\` into \`messages\`, each in its own transaction
  with the same \`set_config\` statement first, one connection, alternating send by send.
- **one conversation, ${'${writers}'} writers**: the row-lock floor is \`UPDATE conversations … RETURNING\`
  numbering an \`INSERT\`, committed; on Postgres by pgbench (8 connections), on PGlite by 8 loops the
  single session serialises.
- **client**: sockets the stack accepted and channels the client holds, for a user in N conversations
  (measured in the bench process: it is about the client library, not speed).
- **back in sync**: an \`InboxStore\` holds a conversation; Realtime goes down; the other user sends N
  messages (batches of 100); Realtime comes back; timed until the store holds all N, in order.
- **Realtime server**: REST batches of one private message per subscriber, the subscribers in a client
  process.
`.replace('${writers}', '8');

/** Median delivery latency against group size, each design and engine, log–log. */
export function latencySvg(run: RunResults): string {
  const width = 700, height = 400, left = 70, right = 200, top = 30, bottom = 50;
  const colors: Record<FanoutDesign, string> = { ours: '#1f9d55', seed: '#c0392b', floor: '#7f8c8d' };
  const labels: Record<FanoutDesign, string> = { ours: 'ours', seed: 'seed design', floor: 'same-hops floor' };
  const series = run.engines.flatMap((results) =>
    DESIGNS.map((design) => ({
      label: `${labels[design]} (${results.engine})`,
      dashed: results.engine === 'postgres',
      color: colors[design],
      points: (results.fanout ?? []).map((f) => [f.participants, f.designs[design].delivery.median] as const),
    }))
  );
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => Math.max(p[1], 0.1)));
  const [x0, x1] = [Math.log10(Math.min(...xs)), Math.log10(Math.max(...xs))];
  const [y0, y1] = [Math.floor(Math.log10(Math.min(...ys))), Math.ceil(Math.log10(Math.max(...ys)))];
  const px = (x: number) => left + ((Math.log10(x) - x0) / Math.max(x1 - x0, 1e-9)) * (width - left - right);
  const py = (y: number) => height - bottom - ((Math.log10(Math.max(y, 0.1)) - y0) / Math.max(y1 - y0, 1e-9)) * (height - top - bottom);
  const yTicks = Array.from({ length: y1 - y0 + 1 }, (_, i) => 10 ** (y0 + i));
  const xTicks = [...new Set(xs)].sort((a, b) => a - b);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="18" font-size="14">send → every participant received (median ms, log scale)</text>`,
    ...yTicks.map((t) => `<line x1="${left}" x2="${width - right}" y1="${py(t)}" y2="${py(t)}" stroke="#ddd"/><text x="${left - 8}" y="${py(t) + 4}" text-anchor="end">${t}</text>`),
    ...xTicks.map((t) => `<text x="${px(t)}" y="${height - bottom + 18}" text-anchor="middle">${t}</text>`),
    `<text x="${(left + width - right) / 2}" y="${height - 12}" text-anchor="middle">participants (log scale)</text>`,
    ...series.flatMap((s, i) => [
      `<polyline fill="none" stroke="${s.color}" stroke-width="2" ${s.dashed ? 'stroke-dasharray="6 4"' : ''} points="${s.points.map(([x, y]) => `${px(x)},${py(y)}`).join(' ')}"/>`,
      ...s.points.map(([x, y]) => `<circle cx="${px(x)}" cy="${py(y)}" r="3" fill="${s.color}"/>`),
      `<line x1="${width - right + 12}" x2="${width - right + 36}" y1="${top + 20 + i * 20}" y2="${top + 20 + i * 20}" stroke="${s.color}" stroke-width="2" ${s.dashed ? 'stroke-dasharray="6 4"' : ''}/>`,
      `<text x="${width - right + 42}" y="${top + 24 + i * 20}">${s.label}</text>`,
    ]),
    '</svg>',
  ];
  return parts.join('\n');
}
