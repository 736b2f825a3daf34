// Client-visible error texts, worded as hosted Realtime words them (realtime_channel.ex and friends)
// so that apps matching on them behave the same locally.
import type { TokenError } from './types.ts';

export const reasons = {
  readDenied: (topic: string) => `You do not have permissions to read from this Channel topic: ${topic}`,
  joinDenied: (topic: string) => `Unauthorized: ${reasons.readDenied(topic)}`,
  joinToken: (error: TokenError) => `${error.code}: ${error.message}`,
  databaseUnavailable: 'Realtime was unable to connect to the project database',
  joinDatabaseUnavailable: 'UnableToConnectToProject: Realtime was unable to connect to the project database',
  topicRequired: 'TopicNameRequired: You must provide a topic name',
  unmatchedTopic: 'unmatched topic',
  tooManyChannels: 'ChannelRateLimitReached: Too many channels',
  tooManyJoins: 'ClientJoinRateLimitReached: Too many joins per second',
  tooManyUsers: 'ConnectionRateLimitReached: Too many connected users',
  tooManyMessages: 'Too many messages per second',
  connectTooManyUsers: 'Too many connected users',
  connectTooManyJoins: 'Too many joins per second',
  postgresChanges:
    'PostgresChangesNotSupported: this local Realtime server supports broadcast only; postgres_changes subscriptions are refused',
  presence: 'PresenceNotSupported: this local Realtime server supports broadcast only',
  payloadTooLarge: 'Payload size exceeds tenant limit',
  unexpectedEvent: (event: string) => `Unexpected message from client of type \`${event}\``,
} as const;
