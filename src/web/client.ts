// The one place the app imports the client library from.
export * from 'supabase-realtime-inbox/client';
export * from 'supabase-realtime-inbox/react';
