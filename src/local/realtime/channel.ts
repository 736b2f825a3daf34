import type { Namespace, Subscriber } from './hub.ts';
import type { Vsn } from './protocol.ts';
import { ClientPresenceLimit } from './presence.ts';
import type { ChannelPolicy, Claims, Extension } from './types.ts';

// setTimeout cannot wait longer than this; far-off expiries re-arm.
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ChannelOwner {
  readonly vsn: Vsn;
  send(frame: string | Buffer): void;
  /** Called after each delivery: hosted counts deliveries against the project's events/s. */
  delivered(channel: JoinedChannel): void;
}

export interface ChannelConfig {
  wireTopic: string;
  name: string;
  joinRef: string | null;
  isPrivate: boolean;
  /** broadcast.self: the sender also receives its own broadcasts. */
  self: boolean;
  /** broadcast.ack: client broadcasts get a phx_reply. */
  ack: boolean;
  /** presence.enabled at join (realtime-js sets it when the channel has a presence binding). */
  presenceEnabled: boolean;
  /** This channel's presence key: config.presence.key, or a fresh UUID as Realtime makes. */
  presenceKey: string;
}

/** Join-time read decisions; presence is undefined until evaluated (presence disabled at join). */
export interface ReadPolicies {
  broadcast: boolean;
  presence?: boolean;
}

/** One joined channel on one socket: its settings, its current token, and cached decisions. */
export class JoinedChannel implements Subscriber {
  private readonly writeDecisions = new Map<Extension, Promise<boolean>>();
  private expiryTimer?: NodeJS.Timeout;
  /** The last tracked payload (JSON), so an unchanged track is a no-op as in Realtime. */
  trackedPayload?: string;

  constructor(
    private readonly owner: ChannelOwner,
    readonly config: ChannelConfig,
    public token: string,
    public claims: Claims,
    public reads: ReadPolicies,
    readonly presenceLimit: ClientPresenceLimit,
  ) {}

  /** The hub delivers broadcasts only to channels whose broadcast read policy passed. */
  get readsBroadcast(): boolean {
    return !this.config.isPrivate || this.reads.broadcast;
  }

  /** presence_state and presence_diff go only to channels whose presence read policy passed. */
  get readsPresence(): boolean {
    return !this.config.isPrivate || this.reads.presence === true;
  }

  get vsn(): Vsn {
    return this.owner.vsn;
  }

  get namespace(): Namespace {
    return { topic: this.config.name, private: this.config.isPrivate };
  }

  deliver(frame: string | Buffer): void {
    this.owner.send(frame);
    this.owner.delivered(this);
  }

  /** A presence frame: hosted counts these against presence events/s, not the events quota. */
  push(frame: string): void {
    this.owner.send(frame);
  }

  /**
   * Realtime evaluates a write policy on the first broadcast (or track) and keeps it until the
   * token changes.
   */
  canWrite(policy: ChannelPolicy, extension: Extension = 'broadcast'): Promise<boolean> {
    if (!this.config.isPrivate) return Promise.resolve(true);
    let decision = this.writeDecisions.get(extension);
    if (!decision) {
      const fresh = policy.canWrite(this.claims, this.config.name, extension);
      // A failed check (database down) is not a decision; the next push tries again.
      fresh.catch(() => {
        if (this.writeDecisions.get(extension) === fresh) this.writeDecisions.delete(extension);
      });
      this.writeDecisions.set(extension, (decision = fresh));
    }
    return decision;
  }

  reauthorize(token: string, claims: Claims, reads: ReadPolicies): void {
    this.token = token;
    this.claims = claims;
    this.reads = reads;
    this.writeDecisions.clear();
  }

  /** Milliseconds since the epoch, or undefined for tokens without exp (API keys). */
  get expiresAt(): number | undefined {
    return typeof this.claims.exp === 'number' ? this.claims.exp * 1000 : undefined;
  }

  /** Calls onExpire once the current token's exp has passed. */
  armExpiry(onExpire: () => void): void {
    this.disarmExpiry();
    const at = this.expiresAt;
    if (at === undefined) return;
    const wait = at - Date.now();
    this.expiryTimer = setTimeout(() => (Date.now() >= at ? onExpire() : this.armExpiry(onExpire)), Math.min(Math.max(wait, 0), MAX_TIMER_MS));
    this.expiryTimer.unref();
  }

  disarmExpiry(): void {
    clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
  }
}
