-- Chat inbox schema: conversations, their participants, and messages numbered per conversation.
-- Clients read through RLS; every write goes through the SECURITY DEFINER RPCs of the next
-- migration, which check membership themselves. No table grants INSERT/UPDATE/DELETE to users.

create schema if not exists private;
revoke all on schema private from public;
grant usage on schema private to authenticated, service_role;

create table public.conversations (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  title text not null default '' check (char_length(title) <= 200),
  mode text not null default 'chat' check (mode ~ '^[a-z][a-z0-9_-]{0,31}$'),
  is_public boolean not null default false,
  meta jsonb not null default '{}' check (jsonb_typeof(meta) = 'object'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  last_message_number integer not null default 0 check (last_message_number >= 0),
  last_message_at timestamptz,
  last_message_preview text
);
create index conversations_user_id_idx on public.conversations (user_id);

create table public.conversations_participants (
  conversation_id uuid not null references public.conversations (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role text not null default 'member' check (role in ('owner', 'member')),
  joined_at timestamptz not null default now(),
  invited_by uuid references auth.users (id) on delete set null,
  last_read_message_number integer not null default 0 check (last_read_message_number >= 0),
  primary key (conversation_id, user_id)
);
create index conversations_participants_user_id_idx
  on public.conversations_participants (user_id, conversation_id);

create table public.messages (
  id uuid primary key default gen_random_uuid(),
  chat_id uuid not null references public.conversations (id) on delete cascade,
  message_number integer not null check (message_number > 0),
  user_id uuid references auth.users (id) on delete set null,
  user_name text,
  role text not null default 'user' check (role in ('user', 'assistant', 'system')),
  text text not null check (char_length(text) between 1 and 8000 and text ~ '\S'),
  client_msg_id text check (char_length(client_msg_id) between 1 and 100),
  status text not null default 'sent',
  meta jsonb not null default '{}' check (jsonb_typeof(meta) = 'object' and octet_length(meta::text) <= 8192),
  created_at timestamptz not null default now(),
  unique (chat_id, message_number),
  unique (chat_id, client_msg_id)
);
create index messages_user_id_idx on public.messages (user_id);

-- Membership as RLS sees it. A conversation without participant rows is a legacy single-user chat:
-- its owner is its only member. SECURITY DEFINER so policies on the participants table do not
-- recurse into themselves.
create function private.is_member(conversation_id uuid) returns boolean
language sql stable security definer set search_path = '' as $$
  select exists (
    select 1 from public.conversations_participants p
    where p.conversation_id = is_member.conversation_id and p.user_id = auth.uid()
  ) or exists (
    select 1 from public.conversations c
    where c.id = is_member.conversation_id and c.user_id = auth.uid()
      and not exists (select 1 from public.conversations_participants p where p.conversation_id = c.id)
  )
$$;
revoke execute on function private.is_member(uuid) from public;
grant execute on function private.is_member(uuid) to authenticated, service_role;

alter table public.conversations enable row level security;
alter table public.conversations_participants enable row level security;
alter table public.messages enable row level security;

create policy "members read their conversations" on public.conversations
  for select to authenticated using (private.is_member(id));
create policy "members read the roster" on public.conversations_participants
  for select to authenticated using (private.is_member(conversation_id));
create policy "members read messages" on public.messages
  for select to authenticated using (private.is_member(chat_id));

-- Explicit grants: older projects and @supabase/lite grant everything to API roles by default.
revoke all on public.conversations, public.conversations_participants, public.messages
  from public, anon, authenticated;
grant select on public.conversations, public.conversations_participants, public.messages
  to authenticated;
grant select, insert, update, delete
  on public.conversations, public.conversations_participants, public.messages to service_role;
