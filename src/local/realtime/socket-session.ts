import { WebSocket } from 'ws';
import { JoinedChannel } from './channel.ts';
import type { Hub } from './hub.ts';
import {
  decodeFrame,
  encodeMessage,
  isObject,
  ProtocolError,
  type Broadcast,
  type Message,
  type UserBroadcastPush,
  type Vsn,
} from './protocol.ts';
import type { TenantQuotas } from './quotas.ts';
import { reasons } from './reasons.ts';
import { TokenError, type ChannelPolicy, type Claims, type Log, type TokenResolver } from './types.ts';

export interface SessionContext {
  hub: Hub;
  policy: ChannelPolicy;
  resolveToken: TokenResolver;
  log: Log;
  maxPayloadBytes: number;
  /** Unsent bytes a socket may accumulate before it is cut off as a slow consumer. */
  maxBufferedBytes: number;
  quotas: TenantQuotas;
  sleep(ms: number): Promise<void>;
  onClose(session: SocketSession): void;
}

/** What a join asks for, read from its topic and payload. */
interface JoinRequest {
  name: string;
  isPrivate: boolean;
  token: string;
  self: boolean;
  ack: boolean;
  postgresChanges: boolean;
}

/** Why a join is refused; `disconnect` also closes the socket (1001) after the reply. */
interface JoinRefusal {
  reason: string;
  why: string;
  claims?: Claims;
  disconnect?: boolean;
}

const TOPIC_PREFIX = 'realtime:';
// Frames waiting on the database; a client that outruns it this far is misbehaving.
const MAX_PENDING_FRAMES = 10_000;
const MAX_PENDING_BYTES = 64 * 1024 * 1024;
// Phoenix closes sockets that send nothing for this long; clients heartbeat every 25 s.
const IDLE_TIMEOUT_MS = 60_000;
const CLOSE_GOING_AWAY = 1001;
const CLOSE_INVALID_DATA = 1007;
const CLOSE_POLICY = 1008;

/** SQLSTATE-carrying errors come from the policies themselves, anything else from reaching the database. */
const isSqlError = (error: unknown) => typeof (error as { code?: unknown })?.code === 'string' && /^[0-9A-Z]{5}$/.test((error as { code: string }).code);

/**
 * One WebSocket connection: decodes frames, runs joins, leaves, token refreshes and client
 * broadcasts. Work for a topic runs in arrival order (one queue per topic) because joins and
 * write checks wait on the database; heartbeats skip the queues so they are never late.
 */
export class SocketSession {
  private readonly channels = new Map<string, JoinedChannel>();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly idleTimer: NodeJS.Timeout;
  /** Frames read while a join is being answered. */
  private readonly held: { data: Buffer; isBinary: boolean }[] = [];
  private joining = false;
  private pendingFrames = 0;
  private pendingBytes = 0;
  private closed = false;
  private readonly closedPromise: Promise<void>;

  constructor(
    private readonly ws: WebSocket,
    readonly vsn: Vsn,
    private readonly apikey: string,
    readonly id: number,
    private readonly ctx: SessionContext,
  ) {
    this.closedPromise = new Promise((resolve) => ws.once('close', () => resolve()));
    ws.on('message', (data, isBinary) => {
      try {
        this.onFrame(data as Buffer, isBinary);
      } catch (error) {
        // A bug handling one connection must not take the process (and everyone else) down.
        this.log({ event: 'realtime_error', error: (error as Error)?.message ?? String(error) });
        ws.terminate();
      }
    });
    ws.on('close', (code, reason) => this.onClose(code, reason.toString()));
    ws.on('error', (error) => this.log({ event: 'realtime_socket_error', error: error.message }));
    this.idleTimer = setTimeout(() => {
      this.log({ event: 'realtime_idle_timeout' });
      ws.terminate();
    }, IDLE_TIMEOUT_MS);
    this.idleTimer.unref();
  }

  /** Drops the connection at once; the client reconnects with backoff. */
  terminate(): Promise<void> {
    this.ws.terminate();
    return this.closedPromise;
  }

  send(frame: string | Buffer): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.ws.bufferedAmount > this.ctx.maxBufferedBytes) {
      this.log({ event: 'realtime_slow_consumer', bufferedBytes: this.ws.bufferedAmount });
      this.ws.terminate();
      return;
    }
    this.ws.send(frame, (error) => {
      if (error) this.log({ event: 'realtime_send_failed', error: error.message });
    });
  }

  /**
   * Like a Phoenix transport, the socket waits for each join to be answered before it reads the
   * next frame (heartbeats included); other frames go to their topic's queue and do not block.
   */
  private onFrame(data: Buffer, isBinary: boolean): void {
    this.idleTimer.refresh();
    if (this.pendingFrames >= MAX_PENDING_FRAMES || this.pendingBytes + data.length > MAX_PENDING_BYTES) {
      this.log({ event: 'realtime_backlog_exceeded', frames: this.pendingFrames, bytes: this.pendingBytes });
      this.ws.close(CLOSE_POLICY, 'too many messages waiting');
      return;
    }
    this.pendingFrames++;
    this.pendingBytes += data.length;
    this.held.push({ data, isBinary });
    this.readHeld();
  }

  private readHeld(): void {
    while (!this.joining && !this.closed && this.held.length > 0) {
      const { data, isBinary } = this.held.shift()!;
      this.pendingFrames--;
      this.pendingBytes -= data.length;
      this.dispatch(data, isBinary);
    }
  }

  private dispatch(data: Buffer, isBinary: boolean): void {
    let inbound;
    try {
      inbound = decodeFrame(this.vsn, data, isBinary);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      // Nothing in the frame can be trusted, not even a ref to reply to.
      this.log({ event: 'realtime_malformed_frame', error: error.message, binary: isBinary, bytes: data.length });
      this.ws.close(CLOSE_INVALID_DATA, `malformed frame: ${error.message}`.slice(0, 120));
      return;
    }
    if (inbound.kind === 'user_broadcast_push') {
      const push = inbound.push;
      this.enqueue(push.topic, data.length, () => this.onUserBroadcastPush(push));
      return;
    }
    const m = inbound.message;
    if (m.topic === 'phoenix') {
      if (m.event === 'heartbeat') this.reply(m, 'ok', {});
      else this.replyIfRef(m, 'error', { reason: reasons.unmatchedTopic });
      return;
    }
    const bytes = data.length;
    switch (m.event) {
      case 'phx_join':
        this.joining = true;
        return this.enqueue(m.topic, bytes, async () => {
          try {
            await this.join(m);
          } finally {
            this.joining = false;
            setImmediate(() => this.readHeld());
          }
        });
      case 'phx_leave':
        return this.enqueue(m.topic, bytes, async () => this.leave(m));
      case 'access_token':
        return this.enqueue(m.topic, bytes, () => this.refreshToken(m));
      case 'broadcast':
        return this.enqueue(m.topic, bytes, () => this.onTextBroadcast(m));
      default:
        return this.enqueue(m.topic, bytes, async () => this.onOtherEvent(m));
    }
  }

  private enqueue(topic: string, bytes: number, task: () => Promise<void>): void {
    this.pendingFrames++;
    this.pendingBytes += bytes;
    const previous = this.queues.get(topic) ?? Promise.resolve();
    const next: Promise<void> = previous
      .then(() => (this.closed ? undefined : task()))
      .catch((error: unknown) => this.log({ event: 'realtime_error', topic, error: (error as Error)?.message ?? String(error) }))
      .then(() => {
        this.pendingFrames--;
        this.pendingBytes -= bytes;
        if (this.queues.get(topic) === next) this.queues.delete(topic);
      });
    this.queues.set(topic, next);
  }

  /** Hosted's order: topic, then users, joins/s and channels limits, then token, then policies. */
  private async join(m: Message): Promise<void> {
    if (!m.topic.startsWith(TOPIC_PREFIX)) return this.reply(m, 'error', { reason: reasons.unmatchedTopic });
    // The client re-joins a topic after timeouts and errors; the new join replaces the old one.
    this.drop(m.topic);
    const request = readJoinRequest(m, this.apikey);
    const outcome = this.topicRefusal(request) ?? this.quotaRefusal() ?? (await this.authorizeJoin(request));
    if ('reason' in outcome) return this.refuseJoin(m, request.name, outcome);
    if (this.closed) return;
    this.admit(m, request, outcome.claims);
  }

  private topicRefusal(request: JoinRequest): JoinRefusal | null {
    return request.name ? null : { reason: reasons.topicRequired, why: 'topic_required' };
  }

  /** Checked and counted in one synchronous step: joins are answered one at a time per socket. */
  private quotaRefusal(): JoinRefusal | null {
    const { users, joins, limits } = this.ctx.quotas;
    if (!users.has(this) && users.size >= limits.maxConcurrentUsers) return { reason: reasons.tooManyUsers, why: 'too_many_users' };
    if (joins.triggered) return { reason: reasons.tooManyJoins, why: 'too_many_joins', disconnect: true };
    joins.add();
    if (this.channels.size >= limits.maxChannelsPerClient) return { reason: reasons.tooManyChannels, why: 'too_many_channels' };
    return null;
  }

  private async authorizeJoin(request: JoinRequest): Promise<JoinRefusal | { claims: Claims }> {
    const { name, isPrivate, token } = request;
    if (request.postgresChanges) return { reason: reasons.postgresChanges, why: 'postgres_changes' };
    let claims: Claims;
    try {
      claims = await this.ctx.resolveToken(token);
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
      return { reason: reasons.joinToken(error), why: `token_${error.reason}` };
    }
    if (isPrivate) {
      const denied = await this.readDenial(claims, name, 'join');
      if (denied) return { reason: denied === 'database' ? reasons.joinDatabaseUnavailable : reasons.joinDenied(name), why: denied, claims };
    }
    return { claims };
  }

  private admit(m: Message, request: JoinRequest, claims: Claims): void {
    const { name, isPrivate, token, self, ack } = request;
    const channel = new JoinedChannel(this, { wireTopic: m.topic, name, joinRef: m.joinRef ?? m.ref, isPrivate, self, ack }, token, claims);
    this.channels.set(m.topic, channel);
    this.ctx.hub.subscribe(channel.namespace, channel);
    this.ctx.quotas.users.add(this);
    // A join starts the project's events counter, as hosted's assign_counter does.
    this.ctx.quotas.events.add(0);
    this.armExpiry(channel);
    this.reply(m, 'ok', { postgres_changes: [] });
    this.log({ event: 'realtime_join', topic: name, private: isPrivate, role: claims.role, sub: claims.sub });
  }

  /** Hosted sleeps before every join error, and the socket reads nothing meanwhile. */
  private async refuseJoin(m: Message, topic: string, refusal: JoinRefusal): Promise<void> {
    const { reason, why, claims } = refusal;
    this.log({ event: 'realtime_join_denied', topic, why, reason, role: claims?.role, sub: claims?.sub });
    await this.ctx.sleep(this.ctx.quotas.limits.channelErrorBackoffMs);
    if (this.closed) return;
    this.reply(m, 'error', { reason });
    if (refusal.disconnect) this.ws.close(CLOSE_GOING_AWAY, reasons.connectTooManyJoins);
  }

  /** Why the caller may not read the topic, or null if it may. */
  private async readDenial(claims: Claims, topic: string, during: string): Promise<'unauthorized' | 'database' | null> {
    try {
      return (await this.ctx.policy.canRead(claims, topic)) ? null : 'unauthorized';
    } catch (error) {
      // Realtime turns failing policies into a plain denial and connection trouble into its own message.
      this.log({ event: 'realtime_policy_error', during, topic, error: (error as Error)?.message });
      return isSqlError(error) ? 'unauthorized' : 'database';
    }
  }

  /** Every delivery counts against the project's events/s; over the limit the channel is shut down. */
  delivered(channel: JoinedChannel): void {
    const { events } = this.ctx.quotas;
    events.add();
    if (events.triggered) this.shutdown(channel, reasons.tooManyMessages, 'too_many_messages');
  }

  private leave(m: Message): void {
    const channel = this.channels.get(m.topic);
    // A leave for a join that was already replaced must not end the newer one.
    if (channel && (m.joinRef === null || m.joinRef === channel.config.joinRef)) {
      this.drop(m.topic);
      this.log({ event: 'realtime_leave', topic: channel.config.name });
    }
    this.reply(m, 'ok', {});
  }

  private async refreshToken(m: Message): Promise<void> {
    const channel = this.joinedChannel(m);
    if (!channel) return;
    const token = isObject(m.payload) ? m.payload.access_token : undefined;
    // Like Realtime: API keys here are the client falling back after sign-out and are ignored,
    // so the channel lives until the last real token expires.
    if (typeof token !== 'string' || !token || token.startsWith('sb_') || token === channel.token) return;

    let claims: Claims;
    try {
      claims = await this.ctx.resolveToken(token);
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
      return this.shutdown(channel, error.message, `token_${error.reason}`);
    }
    if (channel.config.isPrivate) {
      const denied = await this.readDenial(claims, channel.config.name, 'access_token');
      if (denied) return this.shutdown(channel, denied === 'database' ? reasons.databaseUnavailable : reasons.readDenied(channel.config.name), denied);
    }
    if (this.channels.get(m.topic) !== channel) return;
    channel.reauthorize(token, claims);
    this.armExpiry(channel);
    this.log({ event: 'realtime_token_refreshed', topic: channel.config.name, role: claims.role, sub: claims.sub });
  }

  private armExpiry(channel: JoinedChannel): void {
    channel.armExpiry(() =>
      this.enqueue(channel.config.wireTopic, 0, async () => {
        const at = channel.expiresAt;
        // A token refresh queued ahead of this may have moved exp already.
        if (at === undefined || at > Date.now()) return;
        this.shutdown(channel, `Token has expired ${Math.floor((Date.now() - at) / 1000)} seconds ago`, 'token_expired');
      }),
    );
  }

  /** The client ignores `system` alone, so a server-side close is `system` plus `phx_close`. */
  private shutdown(channel: JoinedChannel, message: string, why: string): void {
    const { wireTopic: topic, joinRef, name } = channel.config;
    if (this.channels.get(topic) !== channel) return;
    this.drop(topic);
    this.sendMessage({ joinRef, ref: null, topic, event: 'system', payload: { extension: 'system', status: 'error', message, channel: name } });
    this.sendMessage({ joinRef, ref: joinRef, topic, event: 'phx_close', payload: {} });
    this.log({ event: 'realtime_channel_closed', topic: name, why, message, sub: channel.claims.sub });
  }

  private async onTextBroadcast(m: Message): Promise<void> {
    const channel = this.joinedChannel(m);
    if (!channel) return;
    if (!isObject(m.payload)) return this.replyIfRef(m, 'error', { reason: 'broadcast payload must be an object' });
    const text = JSON.stringify(m.payload);
    await this.broadcast(channel, m, { kind: 'json', payload: m.payload, text }, Buffer.byteLength(text));
  }

  private async onUserBroadcastPush(push: UserBroadcastPush): Promise<void> {
    const m: Message = { joinRef: push.joinRef || null, ref: push.ref || null, topic: push.topic, event: 'broadcast', payload: null };
    const channel = this.joinedChannel(m);
    if (!channel) return;
    const broadcast: Broadcast = { kind: 'user', event: push.event, encoding: push.encoding, data: push.data, json: push.json };
    await this.broadcast(channel, m, broadcast, push.data.length);
  }

  private async broadcast(channel: JoinedChannel, m: Message, broadcast: Broadcast, size: number): Promise<void> {
    const { name, ack, self } = channel.config;
    let allowed: boolean;
    try {
      allowed = await channel.canWrite(this.ctx.policy);
    } catch (error) {
      this.log({ event: 'realtime_policy_error', during: 'broadcast', topic: name, error: (error as Error)?.message });
      allowed = false;
    }
    // Realtime drops unauthorized broadcasts without a reply, even when ack was requested.
    if (!allowed) return this.log({ event: 'realtime_broadcast_denied', topic: name, role: channel.claims.role, sub: channel.claims.sub });
    if (this.channels.get(m.topic) !== channel) return;
    // Counted before the size check, as hosted does: an oversized push still costs an event.
    this.ctx.quotas.events.add();
    if (size > this.ctx.maxPayloadBytes) {
      this.log({ event: 'realtime_broadcast_too_large', topic: name, bytes: size, limit: this.ctx.maxPayloadBytes });
      // Hosted replies with the bare atom as a string, not a {reason} map.
      if (ack) this.replyIfRef(m, 'error', 'payload_size_exceeded');
      return;
    }
    this.ctx.hub.publish(channel.namespace, broadcast, self ? undefined : channel);
    if (ack) this.replyIfRef(m, 'ok', {});
  }

  private onOtherEvent(m: Message): void {
    const channel = this.joinedChannel(m);
    if (!channel) return;
    if (m.event !== 'presence') this.ctx.quotas.events.add();
    const reason = m.event === 'presence' ? reasons.presence : reasons.unexpectedEvent(m.event);
    this.log({ event: 'realtime_unexpected_event', topic: channel.config.name, clientEvent: m.event });
    this.replyIfRef(m, 'error', { reason });
  }

  /** The channel a push belongs to; pushes for other joins are answered or dropped as Phoenix does. */
  private joinedChannel(m: Message): JoinedChannel | undefined {
    const channel = this.channels.get(m.topic);
    if (!channel) {
      this.replyIfRef(m, 'error', { reason: reasons.unmatchedTopic });
      return undefined;
    }
    // A push from an older join raced the server closing or replacing it.
    if (m.joinRef !== null && m.joinRef !== channel.config.joinRef) return undefined;
    return channel;
  }

  private drop(topic: string): void {
    const channel = this.channels.get(topic);
    if (!channel) return;
    this.channels.delete(topic);
    this.ctx.hub.unsubscribe(channel.namespace, channel);
    channel.disarmExpiry();
  }

  private reply(m: Message, status: 'ok' | 'error', response: Record<string, unknown> | string): void {
    this.sendMessage({ joinRef: m.joinRef, ref: m.ref, topic: m.topic, event: 'phx_reply', payload: { status, response } });
  }

  private replyIfRef(m: Message, status: 'ok' | 'error', response: Record<string, unknown> | string): void {
    if (m.ref !== null) this.reply(m, status, response);
  }

  private sendMessage(m: Message): void {
    this.send(encodeMessage(this.vsn, m));
  }

  private onClose(code: number, reason: string): void {
    this.closed = true;
    clearTimeout(this.idleTimer);
    for (const topic of [...this.channels.keys()]) this.drop(topic);
    this.ctx.quotas.users.delete(this);
    this.ctx.onClose(this);
    this.log({ event: 'realtime_disconnect', code, reason });
  }

  private log(entry: { event: string; [k: string]: unknown }): void {
    this.ctx.log({ ...entry, connection: this.id });
  }
}

/** A join without its own access_token acts with the socket's apikey. */
function readJoinRequest(m: Message, apikey: string): JoinRequest {
  const payload = isObject(m.payload) ? m.payload : {};
  const config = isObject(payload.config) ? payload.config : {};
  const broadcast = isObject(config.broadcast) ? config.broadcast : {};
  return {
    name: m.topic.slice(TOPIC_PREFIX.length),
    isPrivate: config.private === true || config.private === 'true',
    token: typeof payload.access_token === 'string' && payload.access_token ? payload.access_token : apikey,
    self: broadcast.self === true,
    ack: broadcast.ack === true,
    postgresChanges: Array.isArray(config.postgres_changes) && config.postgres_changes.some((c) => c != null),
  };
}
