-- Issue 13: edit and delete messages, and the per-conversation change sequence catch-up reads.
--
-- The change sequence is conversations.version, the marker issue 10 adds (20261201100001_inbox_versions):
-- a trigger raises it on every update of the conversation row, and every summary carries it. It is
-- declared here too, idempotently and identically, so this migration also stands on its own; once
-- that migration has run, these three statements change nothing.
--
-- An edit or a delete updates the conversation row (raising version by one) and stamps the message
-- with that version (messages.version). So every change a client can miss moves version by exactly
-- one: a client holding version V that hears of V+2 knows it missed one, and chat_changes(V) returns
-- each changed message once, in its latest state: O(1) rows per change, one round trip.
-- Sends keep their own gap check (message_number), and need no stamp: numbers above the client's
-- last one are new, whatever their version.

alter table public.conversations add column if not exists version bigint not null default 1;

create or replace function private.bump_conversation_version() returns trigger
language plpgsql set search_path = '' as $$
begin
  new.version := old.version + 1;
  return new;
end
$$;
create or replace trigger conversations_version before update on public.conversations
  for each row execute function private.bump_conversation_version();
revoke execute on function private.bump_conversation_version() from public, anon;

-- version: the conversation's version at this message's last edit or delete; null while unchanged.
-- A tombstone keeps its row, number and client_msg_id (a retried send returns the tombstone, never
-- a second copy), and loses its text and meta.
alter table public.messages
  add column edited_at timestamptz,
  add column deleted_at timestamptz,
  add column version bigint;

-- Tombstones are exempt from the text rules, whoever defines those: the text CHECK (the schema's, or
-- the stricter one of 20261201200001_hostile_input) is kept as it is and only wrapped, and a
-- validating trigger on messages (messages_enforce_contract there) gets a WHEN clause for live rows.
-- Reading the definitions instead of restating them keeps this migration out of that one's rules.
do $$
declare
  v_check text;
  v_trigger text;
begin
  select regexp_replace(pg_get_constraintdef(c.oid), '^CHECK \((.*)\)( NOT VALID)?$', '\1') into v_check
  from pg_constraint c where c.conrelid = 'public.messages'::regclass and c.conname = 'messages_text_check';
  alter table public.messages drop constraint messages_text_check;
  execute format(
    'alter table public.messages add constraint messages_text_check check ((deleted_at is not null and text = %L) or (%s)) not valid',
    '', v_check);

  select pg_get_triggerdef(t.oid) into v_trigger
  from pg_trigger t where t.tgrelid = 'public.messages'::regclass and t.tgname = 'messages_enforce_contract';
  if v_trigger is not null and v_trigger !~ ' WHEN ' then
    drop trigger messages_enforce_contract on public.messages;
    execute regexp_replace(v_trigger, ' EXECUTE FUNCTION ', ' WHEN (new.deleted_at IS NULL) EXECUTE FUNCTION ');
  end if;
end
$$;
create index messages_changes_idx on public.messages (chat_id, version) where version is not null;

-- The owner: conversations.user_id (also role 'owner' in the participants).
create function private.is_owner(c public.conversations) returns boolean
language sql stable set search_path = '' as $$
  select auth.uid() is not null and c.user_id = auth.uid()
$$;

-- Locks the conversation a change applies to and admits the caller (a member, or the server), or
-- raises 42501 whether or not it exists. The lock orders changes of one conversation, so versions
-- follow commit order.
create function private.lock_for_change(chat_id uuid) returns public.conversations
language plpgsql set search_path = '' as $$
declare
  v_conv public.conversations;
begin
  if auth.uid() is null and not private.caller_is_service() then
    raise exception 'a signed-in user or the secret key is required' using errcode = '42501';
  end if;
  if lock_for_change.chat_id is null then
    raise exception 'chat_id is required' using errcode = '22023';
  end if;
  select c.* into v_conv from public.conversations c where c.id = lock_for_change.chat_id for update;
  if not found then
    raise exception 'not a participant of conversation %', lock_for_change.chat_id using errcode = '42501';
  end if;
  perform private.admit_writer(v_conv);
  return v_conv;
end
$$;

-- The message a change applies to, locked. PT404 (PostgREST answers it as HTTP 404; the functions as
-- not_found) when the conversation has no such message: the caller is a member, so nothing is revealed.
create function private.lock_message(c public.conversations, message_id uuid) returns public.messages
language plpgsql set search_path = '' as $$
declare
  v_msg public.messages;
begin
  select m.* into v_msg from public.messages m
  where m.id = lock_message.message_id and m.chat_id = c.id for update;
  if not found then
    raise exception 'no message % in conversation %', lock_message.message_id, c.id using errcode = 'PT404';
  end if;
  return v_msg;
end
$$;

-- Replaces a message's text (and meta, when given). The author only, or the secret key; never a
-- tombstone. Validated by the same helper as a send.
create function public.chat_edit(chat_id uuid, message_id uuid, text text, meta jsonb default null) returns jsonb
language plpgsql security definer set search_path = '' as $$
declare
  v_conv public.conversations;
  v_msg public.messages;
begin
  perform private.check_message_item(
    jsonb_build_object('text', chat_edit.text) || jsonb_strip_nulls(jsonb_build_object('meta', chat_edit.meta)),
    private.caller_is_service());
  v_conv := private.lock_for_change(chat_edit.chat_id);
  v_msg := private.lock_message(v_conv, chat_edit.message_id);
  if not private.caller_is_service() and v_msg.user_id is distinct from auth.uid() then
    raise exception 'only the author may edit message %', v_msg.id using errcode = '42501';
  end if;
  if v_msg.deleted_at is not null then
    raise exception 'message % was deleted', v_msg.id using errcode = '22023';
  end if;

  update public.conversations c
  set last_message_preview = case when v_msg.message_number = c.last_message_number
                                  then left(chat_edit.text, 140) else c.last_message_preview end
  where c.id = v_conv.id
  returning c.* into v_conv;
  update public.messages m
  set text = chat_edit.text,
      meta = coalesce(chat_edit.meta, m.meta),
      edited_at = clock_timestamp(),
      version = v_conv.version
  where m.id = v_msg.id
  returning m.* into v_msg;

  return jsonb_build_object(
    'message', to_jsonb(v_msg),
    'version', v_conv.version,
    'recipients', private.recipients(v_conv)
  );
end
$$;

-- Turns a message into a tombstone. The author, the conversation owner, or the secret key.
-- Deleting a tombstone again changes nothing and returns it (deleted: false), so a retry after a
-- lost answer is safe and its broadcast repairs a lost one.
create function public.chat_delete(chat_id uuid, message_id uuid) returns jsonb
language plpgsql security definer set search_path = '' as $$
declare
  v_conv public.conversations;
  v_msg public.messages;
  v_deleted boolean := false;
begin
  v_conv := private.lock_for_change(chat_delete.chat_id);
  v_msg := private.lock_message(v_conv, chat_delete.message_id);
  if not private.caller_is_service() and v_msg.user_id is distinct from auth.uid() and not private.is_owner(v_conv) then
    raise exception 'only the author or the conversation owner may delete message %', v_msg.id using errcode = '42501';
  end if;

  if v_msg.deleted_at is null then
    update public.conversations c
    set last_message_preview = case when v_msg.message_number = c.last_message_number
                                    then null else c.last_message_preview end
    where c.id = v_conv.id
    returning c.* into v_conv;
    update public.messages m
    set text = '', meta = '{}', deleted_at = clock_timestamp(), version = v_conv.version
    where m.id = v_msg.id
    returning m.* into v_msg;
    v_deleted := true;
  end if;

  return jsonb_build_object(
    'message', to_jsonb(v_msg),
    'deleted', v_deleted,
    'version', v_msg.version,
    'recipients', private.recipients(v_conv)
  );
end
$$;

-- Catch-up of one conversation in one round trip: its summary as chat_inbox has it (participant
-- count, last message, the caller's unread count), the messages after the client's last number, the
-- older messages edited or deleted after the client's version, and the current version. A client
-- that was offline ends with exactly the rows of one that was online.
create function public.chat_changes(
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
  ) into v_summary
  from (select 1) one
  left join public.conversations_participants p on p.conversation_id = v_conv.id and p.user_id = auth.uid();
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

revoke execute on function
  private.is_owner(public.conversations),
  private.lock_for_change(uuid),
  private.lock_message(public.conversations, uuid),
  public.chat_edit(uuid, uuid, text, jsonb),
  public.chat_delete(uuid, uuid),
  public.chat_changes(uuid, integer, bigint, integer)
from public, anon;
grant execute on function
  private.is_owner(public.conversations),
  private.lock_for_change(uuid),
  private.lock_message(public.conversations, uuid),
  public.chat_edit(uuid, uuid, text, jsonb),
  public.chat_delete(uuid, uuid),
  public.chat_changes(uuid, integer, bigint, integer)
to authenticated, service_role;
