// The installed realtime-js serializer, used as the reference for what the real client sends
// and what it can decode.
import { createRequire } from 'node:module';

type ClientMessage = { join_ref: string | null; ref: string | null; topic: string; event: string; payload: any };
interface ClientSerializer {
  encode(msg: ClientMessage, callback: (encoded: string | ArrayBuffer) => unknown): unknown;
  decode(raw: string | ArrayBuffer, callback: (decoded: ClientMessage) => unknown): unknown;
}

const require = createRequire(import.meta.url);
const Serializer = require('@supabase/realtime-js/dist/main/lib/serializer.js').default as new () => ClientSerializer;
const serializer = new Serializer();

/** What realtime-js puts on the wire for a push (a string, or the bytes of a kind 3 frame). */
export function clientEncode(msg: ClientMessage): string | Buffer {
  let out: string | ArrayBuffer = '';
  serializer.encode(msg, (encoded) => (out = encoded));
  return typeof out === 'string' ? out : Buffer.from(out);
}

/** What realtime-js makes of a frame the server sent. */
export function clientDecode(frame: string | Buffer): ClientMessage {
  let out: ClientMessage | undefined;
  const raw = typeof frame === 'string' ? frame : frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength);
  serializer.decode(raw as string | ArrayBuffer, (decoded) => (out = decoded));
  return out!;
}
