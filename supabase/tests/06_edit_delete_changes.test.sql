-- chat_edit, chat_delete and chat_changes: who may, what a tombstone is, and the change sequence.
begin;
\ir fixtures/chat.psql
select plan(39);

create table tests.ids (name text primary key, id uuid not null);
grant select, insert on tests.ids to public;
create function tests.msg(name text) returns uuid
language sql stable as $$ select id from tests.ids i where i.name = msg.name $$;
create function tests.version(chat uuid) returns bigint
language sql stable security definer set search_path = '' as $$ select version from public.conversations where id = chat $$;

select tests.act_as('alice');
insert into tests.ids select 'a1', (public.chat_send(tests.chat('shared'), '[{"text":"first from alice"}]') -> 'messages' -> 0 ->> 'id')::uuid;
reset role;
select tests.act_as('bob');
insert into tests.ids select 'b1', (public.chat_send(tests.chat('shared'), '[{"text":"from bob","client_msg_id":"bob-1"}]') -> 'messages' -> 0 ->> 'id')::uuid;
reset role;
select tests.act_as('service');
insert into tests.ids select 'ai', (public.chat_send(tests.chat('shared'), '[{"text":"assistant says"}]') -> 'messages' -> 0 ->> 'id')::uuid;
reset role;
select tests.act_as('alice');
insert into tests.ids select 'a2', (public.chat_send(tests.chat('shared'), '[{"text":"last from alice"}]') -> 'messages' -> 0 ->> 'id')::uuid;
create temp table v0 on commit drop as select tests.version(tests.chat('shared')) as v;

-- edit: the author
create temp table e on commit drop as
  select public.chat_edit(tests.chat('shared'), tests.msg('a1'), 'first, edited', '{"k":1}') as v;
select is((select v -> 'message' ->> 'text' from e), 'first, edited', 'the author edits her message');
select is((select v -> 'message' -> 'meta' from e), '{"k":1}'::jsonb, 'meta is replaced when given');
select isnt((select v -> 'message' ->> 'edited_at' from e), null, 'the edit is stamped with edited_at');
select is((select (v ->> 'version')::bigint from e), (select v + 1 from v0), 'an edit raises the conversation version by one');
select is((select (v -> 'message' ->> 'version')::bigint from e), (select v + 1 from v0), 'and stamps the message with it');
select is((select jsonb_path_query_array(v, '$.recipients[*].user_id') from e),
  jsonb_build_array(tests.id('alice'), tests.id('bob')), 'every participant is a recipient');
select is((select public.chat_edit(tests.chat('shared'), tests.msg('a1'), 'again') -> 'message' -> 'meta'), '{"k":1}'::jsonb,
  'meta is kept when not given');
select is((select last_message_preview from public.conversations where id = tests.chat('shared')), 'last from alice',
  'editing an older message leaves the preview alone');
select public.chat_edit(tests.chat('shared'), tests.msg('a2'), 'last, edited');
select is((select last_message_preview from public.conversations where id = tests.chat('shared')), 'last, edited',
  'editing the last message moves the preview');
select is((select public.chat_inbox() -> 'last_message' ->> 'text' limit 1), 'last, edited', 'and the summary''s last message');

-- edit: refusals
select throws_ok(format($$select public.chat_edit(%L, %L, 'hijacked')$$, tests.chat('shared'), tests.msg('b1')), '42501', null,
  'user alice cannot edit bob''s message');
select throws_ok(format($$select public.chat_edit(%L, %L, 'hijacked')$$, tests.chat('shared'), tests.msg('ai')), '42501', null,
  'nor the assistant''s');
select throws_ok(format($$select public.chat_edit(%L, %L, '   ')$$, tests.chat('shared'), tests.msg('a1')), '22023', null,
  'whitespace text is refused');
select throws_ok(format($$select public.chat_edit(%L, %L, repeat('x', 8001))$$, tests.chat('shared'), tests.msg('a1')), '22001', null,
  'text over 8000 characters is refused');
select throws_ok(format($$select public.chat_edit(%L, %L, 'x', '[1]')$$, tests.chat('shared'), tests.msg('a1')), '22023', null,
  'meta that is not an object is refused');
select throws_ok(format($$select public.chat_edit(%L, %L, 'x')$$, tests.chat('public'), tests.msg('a1')), 'PT404', null,
  'a message of another conversation is not found in this one');
reset role;
select tests.act_as('eve');
select throws_ok(format($$select public.chat_edit(%L, %L, 'x')$$, tests.chat('shared'), tests.msg('a1')), '42501', null,
  'a non-member cannot edit');
reset role;
select tests.act_as('anon');
select throws_ok(format($$select public.chat_edit(%L, %L, 'x')$$, tests.chat('shared'), tests.msg('a1')), '42501', null,
  'anon cannot edit');
reset role;
select is((select text from public.messages where id = tests.msg('b1')), 'from bob', 'the refused edits wrote nothing');
select is(tests.version(tests.chat('shared')), (select v + 3 from v0), 'nor moved the version');
select tests.act_as('service');
select is((select public.chat_edit(tests.chat('shared'), tests.msg('ai'), 'assistant, corrected') -> 'message' ->> 'text'),
  'assistant, corrected', 'the secret key edits any message');

-- delete
reset role;
select tests.act_as('bob');
select throws_ok(format($$select public.chat_delete(%L, %L)$$, tests.chat('shared'), tests.msg('a1')), '42501', null,
  'user bob (a member, not the owner) cannot delete alice''s message');
create temp table d on commit drop as select public.chat_delete(tests.chat('shared'), tests.msg('b1')) as v;
select is((select v -> 'message' ->> 'text' from d), '', 'the author deletes: the text is gone');
select is((select v -> 'message' -> 'meta' from d), '{}'::jsonb, 'and the meta');
select isnt((select v -> 'message' ->> 'deleted_at' from d), null, 'the tombstone has deleted_at');
select is((select v ->> 'deleted' from d), 'true', 'the answer says it was deleted');
select is((select count(*)::int from public.messages where id = tests.msg('b1')), 1, 'the row stays, as a tombstone');
select is((select public.chat_delete(tests.chat('shared'), tests.msg('b1')) ->> 'deleted'), 'false', 'deleting again changes nothing');
select is((select public.chat_send(tests.chat('shared'), '[{"text":"from bob","client_msg_id":"bob-1"}]') -> 'messages' -> 0 ->> 'text'), '',
  'a retried send returns the tombstone, not the text again');
select throws_ok(format($$select public.chat_edit(%L, %L, 'back')$$, tests.chat('shared'), tests.msg('b1')), '22023', null,
  'a tombstone cannot be edited');
reset role;
select tests.act_as('alice');
select is((select public.chat_delete(tests.chat('shared'), tests.msg('a2')) ->> 'deleted'), 'true', 'the owner deletes');
select is((select last_message_preview from public.conversations where id = tests.chat('shared')), null,
  'deleting the last message clears the preview');
select is((select public.chat_inbox() -> 'last_message' ->> 'deleted_at' limit 1) is not null, true,
  'and the summary''s last message is the tombstone');

-- chat_changes
select is((select jsonb_path_query_array(public.chat_changes(tests.chat('shared'), 4, (select v from v0)), '$.changed[*].id')),
  (select jsonb_agg(x) from (values (tests.msg('a1')), (tests.msg('ai')), (tests.msg('b1')), (tests.msg('a2'))) t(x)),
  'changes after a version: each changed message once, in its latest state, in version order');
select is((select public.chat_changes(tests.chat('shared'), 4, (select v from v0)) ->> 'version')::bigint, tests.version(tests.chat('shared')),
  'with the current version');
select is((select jsonb_array_length(public.chat_changes(tests.chat('shared'), 2, 0) -> 'messages')), 2,
  'and the messages after the given number');
select is((select (public.chat_changes(tests.chat('shared'), 2, 0) -> 'conversation') - 'last_read_message_number'),
  (select x - 'last_read_message_number' from public.chat_inbox() x where x ->> 'id' = tests.chat('shared')::text),
  'and the summary as chat_inbox has it');
reset role;
select tests.act_as('eve');
select throws_ok(format($$select public.chat_changes(%L, 0, 0)$$, tests.chat('shared')), '42501', null,
  'a non-member cannot read changes');
reset role;
select tests.act_as('alice');
select throws_ok(format($$select public.chat_changes(%L, 0, -1)$$, tests.chat('shared')), '22023', null, 'a negative version is refused');

select * from finish();
rollback;
