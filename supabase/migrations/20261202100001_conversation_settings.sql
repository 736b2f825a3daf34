-- Issue 13, per-user conversation settings: mute, archive, pin (chat-settings), and the user's own
-- read-receipt switch (chat-settings without chat_id; the rules it sets are in the next migration).
--
-- Settings are private to their user: co-members read conversations_participants through RLS, so
-- they are not columns there (nobody should learn that you muted them). Two tables in the private
-- schema, which the API does not expose; the user reads them through chat_inbox, chat_changes and
-- chat_user_settings, and writes them only through chat_settings and chat_set_user_settings.
--
-- Archive stores a message number, not a flag: a conversation is archived while its
-- last_message_number is at most archived_through, so a new message brings it back with no write at
-- all (chat_send is unchanged). Nothing here updates public.conversations, so a setting never raises
-- the conversation's version: the other members see no change and no gap. Settings carry their own
-- version per (conversation, user), raised by every change; summaries carry it (settings_version)
-- and chat_inbox_checkpoint sums it (settings), so a tab that missed a settings event catches up.
--
-- A settings row outlives a leave: with the row gone and a fresh one starting at version 1 again, a
-- client that missed both the leave and a rejoin would hold a higher version than the server and never
-- take the server's settings. Kept, the version only moves forward; a rejoin finds the old settings.
-- The row goes with the conversation (or the user).

create table private.conversation_settings (
  conversation_id uuid not null references public.conversations (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  muted boolean not null default false,
  pinned boolean not null default false,
  archived_through integer check (archived_through >= 0),
  version bigint not null default 1 check (version > 0),
  primary key (conversation_id, user_id)
);
-- For the cascade when a user is deleted (the primary key serves the conversation's).
create index conversation_settings_user_id_idx on private.conversation_settings (user_id);

create table private.user_settings (
  user_id uuid primary key references auth.users (id) on delete cascade,
  read_receipts boolean not null default true,
  version bigint not null default 1 check (version > 0)
);
-- The few who opted out, for the read-mark masks over a whole roster (next migration).
create index user_settings_receipts_off_idx on private.user_settings (user_id) where not read_receipts;

revoke all on private.conversation_settings, private.user_settings from public, anon, authenticated;

-- The settings fields of a summary (ConversationSummary: muted, pinned, archived, archived_through,
-- settings_version), from the caller's row or its absence (all defaults, version 0).
create function private.settings_fields(s private.conversation_settings, last_message_number integer) returns jsonb
language sql immutable set search_path = '' as $$
  select jsonb_build_object(
    'muted', coalesce(s.muted, false),
    'pinned', coalesce(s.pinned, false),
    'archived', coalesce(s.archived_through >= settings_fields.last_message_number, false),
    'archived_through', s.archived_through,
    'settings_version', coalesce(s.version, 0)
  )
$$;

-- Changes the caller's settings of one conversation they are in; null leaves a setting as it is.
-- archived = true archives up to the current last message (kept when already archived), false
-- clears it. A request that changes nothing writes nothing (and keeps the version). Answers the
-- caller's summary, as chat_inbox has it, for their other tabs. No lock on the conversation: a send
-- committed before this reads is archived with it, one committed after brings the conversation back.
create function public.chat_settings(
  chat_id uuid,
  muted boolean default null,
  archived boolean default null,
  pinned boolean default null
) returns jsonb
language plpgsql security definer set search_path = '' as $$
declare
  v_uid uuid := private.require_user();
  v_conv public.conversations;
  v_old private.conversation_settings;
  v_new private.conversation_settings;
  v_changed boolean;
  v_mark integer;
begin
  if chat_settings.chat_id is null then
    raise exception 'chat_id is required' using errcode = '22023';
  end if;
  if chat_settings.muted is null and chat_settings.archived is null and chat_settings.pinned is null then
    raise exception 'at least one of muted, archived, pinned is required' using errcode = '22023';
  end if;
  select c.* into v_conv from public.conversations c where c.id = chat_settings.chat_id;
  if not found then
    raise exception 'not a participant of conversation %', chat_settings.chat_id using errcode = '42501';
  end if;
  perform private.admit_writer(v_conv);
  -- Again: admitting a legacy conversation's owner adds their row, which raises its version.
  select c.* into v_conv from public.conversations c where c.id = v_conv.id;

  select s.* into v_old from private.conversation_settings s
  where s.conversation_id = v_conv.id and s.user_id = v_uid;
  v_new.conversation_id := v_conv.id;
  v_new.user_id := v_uid;
  v_new.muted := coalesce(chat_settings.muted, v_old.muted, false);
  v_new.pinned := coalesce(chat_settings.pinned, v_old.pinned, false);
  v_new.archived_through := case
    when chat_settings.archived is null then v_old.archived_through
    when not chat_settings.archived then null
    when v_old.archived_through >= v_conv.last_message_number then v_old.archived_through
    else v_conv.last_message_number
  end;
  v_changed := (v_new.muted, v_new.pinned, v_new.archived_through)
    is distinct from (coalesce(v_old.muted, false), coalesce(v_old.pinned, false), v_old.archived_through);

  if v_changed then
    insert into private.conversation_settings as s (conversation_id, user_id, muted, pinned, archived_through)
    values (v_conv.id, v_uid, v_new.muted, v_new.pinned, v_new.archived_through)
    on conflict (conversation_id, user_id) do update
      set muted = excluded.muted, pinned = excluded.pinned, archived_through = excluded.archived_through,
          version = s.version + 1
    returning s.* into v_new;
  else
    v_new := v_old;
  end if;

  select p.last_read_message_number into v_mark from public.conversations_participants p
  where p.conversation_id = v_conv.id and p.user_id = v_uid;

  return jsonb_build_object(
    'user_id', v_uid,
    'changed', v_changed,
    'unread_count', greatest(v_conv.last_message_number - v_mark, 0),
    'last_read_message_number', v_mark,
    'conversation', private.conversation_summary(v_conv) || private.settings_fields(v_new, v_conv.last_message_number)
  );
end
$$;

-- The caller's own user-level settings: {read_receipts, version}; version 0 until first changed.
create function public.chat_user_settings() returns jsonb
language sql stable security definer set search_path = '' as $$
  select jsonb_build_object('read_receipts', coalesce(s.read_receipts, true), 'version', coalesce(s.version, 0))
  from (select private.require_user() as uid) me
  left join private.user_settings s on s.user_id = me.uid
$$;

-- Turns the caller's read receipts on or off. A request that changes nothing writes nothing.
create function public.chat_set_user_settings(read_receipts boolean) returns jsonb
language plpgsql security definer set search_path = '' as $$
declare
  v_uid uuid := private.require_user();
  v_row private.user_settings;
  v_changed boolean;
begin
  if chat_set_user_settings.read_receipts is null then
    raise exception 'read_receipts is required' using errcode = '22023';
  end if;
  select s.* into v_row from private.user_settings s where s.user_id = v_uid;
  v_changed := coalesce(v_row.read_receipts, true) <> chat_set_user_settings.read_receipts;
  if v_changed then
    insert into private.user_settings as s (user_id, read_receipts) values (v_uid, chat_set_user_settings.read_receipts)
    on conflict (user_id) do update set read_receipts = excluded.read_receipts, version = s.version + 1
    returning s.* into v_row;
  end if;
  return jsonb_build_object(
    'user_id', v_uid,
    'changed', v_changed,
    'read_receipts', coalesce(v_row.read_receipts, true),
    'version', coalesce(v_row.version, 0)
  );
end
$$;

-- chat_inbox as in 20261201100001_inbox_versions, with the caller's settings in each summary and
-- pinned conversations first (then latest activity, as before). Archived ones are listed too
-- (archived: true); clients show them apart.
create or replace function public.chat_inbox() returns setof jsonb
language sql stable security definer set search_path = '' as $$
  select private.conversation_summary(c) || jsonb_build_object(
    'unread_count', greatest(c.last_message_number - coalesce(p.last_read_message_number, c.last_message_number), 0),
    'last_read_message_number', coalesce(p.last_read_message_number, c.last_message_number)
  ) || private.settings_fields(s, c.last_message_number)
  from public.conversations c
  left join public.conversations_participants p on p.conversation_id = c.id and p.user_id = auth.uid()
  left join private.conversation_settings s on s.conversation_id = c.id and s.user_id = auth.uid()
  where c.id in (
    select p2.conversation_id from public.conversations_participants p2 where p2.user_id = auth.uid()
    union all
    select c2.id from public.conversations c2
    where c2.user_id = auth.uid()
      and not exists (select 1 from public.conversations_participants p3 where p3.conversation_id = c2.id)
  )
  order by coalesce(s.pinned, false) desc, c.updated_at desc, c.id
$$;

-- chat_changes as in 20261201800001_message_edit_delete, with the caller's settings in the summary.
create or replace function public.chat_changes(
  chat_id uuid,
  after_number integer default 0,
  after_version bigint default 0,
  row_limit integer default 100
) returns jsonb
language plpgsql stable security definer set search_path = '' as $$
declare
  v_conv public.conversations;
  v_summary jsonb;
  v_messages jsonb;
  v_changed jsonb;
begin
  if chat_changes.chat_id is null then
    raise exception 'chat_id is required' using errcode = '22023';
  end if;
  if chat_changes.after_number is null or chat_changes.after_number < 0
     or chat_changes.after_version is null or chat_changes.after_version < 0 then
    raise exception 'after_number and after_version must be 0 or more' using errcode = '22023';
  end if;
  if chat_changes.row_limit is null or chat_changes.row_limit not between 1 and 1000 then
    raise exception 'row_limit must be between 1 and 1000' using errcode = '22023';
  end if;
  if not private.is_member(chat_changes.chat_id) then
    raise exception 'not a participant of conversation %', chat_changes.chat_id using errcode = '42501';
  end if;

  select c.* into v_conv from public.conversations c where c.id = chat_changes.chat_id;
  select private.conversation_summary(v_conv) || jsonb_build_object(
    'unread_count', greatest(v_conv.last_message_number - coalesce(p.last_read_message_number, v_conv.last_message_number), 0),
    'last_read_message_number', coalesce(p.last_read_message_number, v_conv.last_message_number)
  ) || private.settings_fields(s, v_conv.last_message_number) into v_summary
  from (select 1) one
  left join public.conversations_participants p on p.conversation_id = v_conv.id and p.user_id = auth.uid()
  left join private.conversation_settings s on s.conversation_id = v_conv.id and s.user_id = auth.uid();
  select coalesce(jsonb_agg(to_jsonb(m) order by m.message_number), '[]') into v_messages
  from (select * from public.messages m
        where m.chat_id = chat_changes.chat_id and m.message_number > chat_changes.after_number
        order by m.message_number limit chat_changes.row_limit) m;
  select coalesce(jsonb_agg(to_jsonb(m) order by m.version), '[]') into v_changed
  from (select * from public.messages m
        where m.chat_id = chat_changes.chat_id and m.version > chat_changes.after_version
          and m.message_number <= chat_changes.after_number
        order by m.version limit chat_changes.row_limit) m;

  return jsonb_build_object(
    'chat_id', chat_changes.chat_id,
    'version', v_conv.version,
    'conversation', v_summary,
    'messages', v_messages,
    'changed', v_changed,
    -- false: a limit was reached; ask again from the last number and version received.
    'complete', jsonb_array_length(v_messages) < chat_changes.row_limit
                and jsonb_array_length(v_changed) < chat_changes.row_limit
  );
end
$$;

-- chat_inbox_checkpoint as in 20261201100002_inbox_checkpoint, plus a fifth number: `settings`, the
-- sum of the caller's settings versions over the same conversations plus their user settings'
-- version. Settings never move a conversation's version, so without it a missed settings event would
-- go unseen. Clients that compare only the first four are unaffected.
create or replace function public.chat_inbox_checkpoint() returns jsonb
language sql stable security definer set search_path = '' as $$
  with mine as (
    select c.id, c.version, p.last_read_message_number as read_mark, coalesce(s.version, 0) as settings
    from public.conversations_participants p
    join public.conversations c on c.id = p.conversation_id
    left join private.conversation_settings s on s.conversation_id = c.id and s.user_id = p.user_id
    where p.user_id = auth.uid()
    union all
    select c.id, c.version, c.last_message_number, coalesce(s.version, 0)
    from public.conversations c
    left join private.conversation_settings s on s.conversation_id = c.id and s.user_id = c.user_id
    where c.user_id = auth.uid()
      and not exists (select 1 from public.conversations_participants p where p.conversation_id = c.id)
  )
  select jsonb_build_object(
    'conversations', count(*),
    'versions', coalesce(sum(version), 0),
    'read_marks', coalesce(sum(read_mark), 0),
    'ids', coalesce(sum(('x' || left(id::text, 8))::bit(32)::bigint), 0),
    'settings', coalesce(sum(settings), 0)
      + coalesce((select u.version from private.user_settings u where u.user_id = auth.uid()), 0)
  )
  from mine
$$;

revoke execute on function
  private.settings_fields(private.conversation_settings, integer),
  public.chat_settings(uuid, boolean, boolean, boolean),
  public.chat_user_settings(),
  public.chat_set_user_settings(boolean)
from public, anon;
grant execute on function
  private.settings_fields(private.conversation_settings, integer),
  public.chat_settings(uuid, boolean, boolean, boolean),
  public.chat_user_settings(),
  public.chat_set_user_settings(boolean)
to authenticated, service_role;
