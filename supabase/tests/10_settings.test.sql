-- Per-user conversation settings (chat_settings: mute, archive, pin), the checkpoint's `settings`,
-- and the read-receipt opt-out (chat_set_user_settings) with every path a read mark was visible by.
begin;
\ir fixtures/chat.psql
select plan(54);

create function tests.version(chat uuid) returns bigint
language sql stable security definer set search_path = '' as $$ select version from public.conversations where id = chat $$;
create function tests.settings_rows() returns bigint
language sql stable security definer set search_path = '' as $$ select count(*) from private.conversation_settings $$;
-- The caller's chat_inbox summary of a conversation.
-- A recipient's read mark in chat_send's answer (parallel arrays recipient_ids and read_marks).
create function tests.mark_of(answer jsonb, who text) returns int
language sql stable as $$
  select (answer -> 'read_marks' ->> (i::int - 1))::int
  from jsonb_array_elements_text(answer -> 'recipient_ids') with ordinality r (id, i) where r.id = tests.id(who)::text
$$;
create function tests.summary(chat uuid) returns jsonb
language sql stable as $$ select x from public.chat_inbox() x where x ->> 'id' = chat::text $$;

-- refusals first: nothing may be written by any of them
select tests.act_as('eve');
select throws_ok(format($$select public.chat_settings(%L, muted => true)$$, tests.chat('shared')), '42501', null,
  'user eve cannot change settings of a conversation she is not in');
select throws_ok(format($$select public.chat_settings(%L, pinned => true)$$, gen_random_uuid()), '42501', null,
  'nor of one that does not exist (same answer)');
reset role;
select tests.act_as('bob');
select throws_ok(format($$select public.chat_settings(%L)$$, tests.chat('shared')), '22023', null,
  'at least one setting is required');
select throws_ok($$select public.chat_settings(null, muted => true)$$, '22023', null, 'chat_id is required');
select throws_ok($$select public.chat_set_user_settings(null)$$, '22023', null, 'read_receipts is required');
reset role;
select tests.act_as('service');
select throws_ok(format($$select public.chat_settings(%L, muted => true)$$, tests.chat('shared')), '42501', null,
  'settings belong to a signed-in user, not to the secret key');
reset role;
select tests.act_as('anon');
select throws_ok(format($$select public.chat_settings(%L, muted => true)$$, tests.chat('shared')), '42501', null, 'anon cannot');
reset role;
select is(tests.settings_rows(), 0::bigint, 'the refusals wrote nothing');
select ok(not has_function_privilege('anon', 'public.chat_settings(uuid, boolean, boolean, boolean)', 'execute')
  and not has_function_privilege('anon', 'public.chat_user_settings()', 'execute')
  and not has_function_privilege('anon', 'public.chat_set_user_settings(boolean)', 'execute'),
  'anon may execute none of the settings RPCs');
select ok(not has_table_privilege('authenticated', 'private.conversation_settings', 'select')
  and not has_table_privilege('authenticated', 'private.user_settings', 'select')
  and not has_table_privilege('authenticated', 'private.conversation_settings', 'update'),
  'users reach the settings tables only through the RPCs');

-- defaults
select tests.act_as('bob');
select is(tests.summary(tests.chat('shared')) - array['id', 'title', 'mode', 'is_public', 'last_message', 'last_message_number',
    'unread_count', 'participant_count', 'updated_at', 'version', 'last_read_message_number'],
  '{"muted": false, "pinned": false, "archived": false, "archived_through": null, "settings_version": 0}'::jsonb,
  'without settings a summary carries the defaults, settings_version 0');

-- mute: bob's own row, nobody else's, and no change of the conversation
reset role;
create temp table v0 on commit drop as select tests.version(tests.chat('shared')) as v;
select tests.act_as('bob');
create temp table m on commit drop as select public.chat_settings(tests.chat('shared'), muted => true) as v;
select is((select v -> 'conversation' ->> 'muted' from m), 'true', 'bob mutes: the answer carries it');
select is((select v ->> 'changed' from m), 'true', 'and says it changed');
select is((select (v -> 'conversation' ->> 'settings_version')::int from m), 1, 'settings_version 1');
select is(tests.summary(tests.chat('shared')) ->> 'muted', 'true', 'chat_inbox shows it muted');
select is((select public.chat_settings(tests.chat('shared'), muted => true) ->> 'changed'), 'false', 'muting again changes nothing');
select is((tests.summary(tests.chat('shared')) ->> 'settings_version')::int, 1, 'and keeps the version');
reset role;
select is(tests.version(tests.chat('shared')), (select v from v0), 'a setting does not move the conversation''s version');
select is(tests.settings_rows(), 1::bigint, 'one row, for bob');
select tests.act_as('alice');
select is(tests.summary(tests.chat('shared')) ->> 'muted', 'false', 'user alice does not see bob''s mute: settings are per user');
select public.chat_settings(tests.chat('shared'), pinned => true);
reset role;
select tests.act_as('bob');
select is(tests.summary(tests.chat('shared')) ->> 'pinned', 'false', 'alice pinning changed only her own settings');
select is(tests.summary(tests.chat('shared')) ->> 'muted', 'true', 'bob''s are as he left them');
select is((select public.chat_changes(tests.chat('shared'), 0, 0) -> 'conversation' ->> 'muted'), 'true',
  'chat_changes carries the settings too');

-- pin: first in chat_inbox, before more recent activity
reset role;
select tests.act_as('alice');
create temp table other on commit drop as select (public.chat_create('newer', array[tests.id('bob')]) -> 'conversation' ->> 'id')::uuid as id;
select tests.send((select id from other), 'fresh');
reset role;
select tests.act_as('bob');
select is((select x ->> 'id' from public.chat_inbox() x limit 1), (select id::text from other), 'the latest activity first');
select public.chat_settings(tests.chat('shared'), pinned => true);
select is((select x ->> 'id' from public.chat_inbox() x limit 1), tests.chat('shared')::text, 'pinned first, whatever the activity');
select is((select public.chat_settings(tests.chat('shared'), pinned => false) -> 'conversation' ->> 'pinned'), 'false', 'unpinned');
select is((select x ->> 'id' from public.chat_inbox() x limit 1), (select id::text from other), 'and back in activity order');

-- archive: until a new message
reset role;
select tests.act_as('alice');
select tests.send(tests.chat('shared'), 'one');
reset role;
select tests.act_as('bob');
create temp table a on commit drop as select public.chat_settings(tests.chat('shared'), archived => true) as v;
select is((select v -> 'conversation' -> 'archived_through' from a), '1', 'archiving marks the last message');
select is(tests.summary(tests.chat('shared')) ->> 'archived', 'true', 'chat_inbox shows it archived');
reset role;
create temp table s0 on commit drop as select tests.settings_rows() as n,
  (select version from private.conversation_settings where conversation_id = tests.chat('shared') and user_id = tests.id('bob')) as v;
select tests.act_as('alice');
select tests.send(tests.chat('shared'), 'two');
reset role;
select tests.act_as('bob');
select is(tests.summary(tests.chat('shared')) ->> 'archived', 'false', 'a new message brings it back');
select is(tests.summary(tests.chat('shared')) -> 'archived_through', '1', 'with the mark as it was');
reset role;
select is((select (tests.settings_rows(), version)::text from private.conversation_settings
           where conversation_id = tests.chat('shared') and user_id = tests.id('bob')),
  (select (n, v)::text from s0), 'the send wrote no settings');
select tests.act_as('bob');
select is((select public.chat_settings(tests.chat('shared'), archived => true) -> 'conversation' -> 'archived_through'), '2',
  'archiving again marks the newer message');
select is((select public.chat_settings(tests.chat('shared'), archived => false) -> 'conversation' -> 'archived_through'), 'null',
  'unarchived');

-- the checkpoint's settings number is what a client sums from chat_inbox
select is((public.chat_inbox_checkpoint() ->> 'settings')::int,
  (select sum((x ->> 'settings_version')::int)::int from public.chat_inbox() x), 'settings = the sum of the settings versions');
create temp table k0 on commit drop as select public.chat_inbox_checkpoint() as v;
select public.chat_settings(tests.chat('shared'), muted => false);
select is((public.chat_inbox_checkpoint() ->> 'settings')::int, (select (v ->> 'settings')::int + 1 from k0),
  'a settings change moves the checkpoint');
select is(public.chat_inbox_checkpoint() - 'settings', (select v - 'settings' from k0), 'and nothing else of it');

-- settings outlive a leave, so their version never goes back
reset role;
select tests.act_as('carol');
select public.chat_join(tests.chat('public'));
select public.chat_settings(tests.chat('public'), muted => true);
select public.chat_leave(tests.chat('public'));
select throws_ok(format($$select public.chat_settings(%L, muted => false)$$, tests.chat('public')), '42501', null,
  'user carol cannot change settings of a conversation she left');
select public.chat_join(tests.chat('public'));
select is(tests.summary(tests.chat('public')) -> 'muted', 'true', 'a rejoin finds the settings kept');

-- read receipts: bob reads, then turns them off
reset role;
select tests.act_as('bob');
select public.chat_read(tests.chat('shared'));
select is(public.chat_user_settings(), '{"read_receipts": true, "version": 0}'::jsonb, 'read receipts are on by default');
create temp table rr on commit drop as select public.chat_set_user_settings(false) as v;
select is((select v - 'user_id' from rr), '{"changed": true, "read_receipts": false, "version": 1}'::jsonb, 'bob turns them off');
select is(public.chat_user_settings(), '{"read_receipts": false, "version": 1}'::jsonb, 'and reads that back');
select is((select (v ->> 'settings')::int + 1 from k0) + 1, (public.chat_inbox_checkpoint() ->> 'settings')::int,
  'the checkpoint counts user settings too');
select is((select last_read_message_number from public.chat_participants(tests.chat('shared')) where user_id = tests.id('bob')), 2,
  'bob still sees his own mark');
reset role;
select tests.act_as('alice');
select is((select last_read_message_number from public.chat_participants(tests.chat('shared')) where user_id = tests.id('bob')), null,
  'user alice must not see bob''s read mark when he opted out (chat_participants)');
select is((select last_read_message_number from public.chat_members(tests.chat('shared')) where user_id = tests.id('bob')), null,
  'nor through chat_members');
select is((select count(*)::int from public.conversations_participants where user_id = tests.id('bob')), 0,
  'nor through the table (RLS hides his rows from others)');
select is((select x from jsonb_array_elements(public.chat_join(tests.chat('shared')) -> 'recipients') x
           where x ->> 'user_id' = tests.id('bob')::text) - 'user_id',
  '{"unread_count": 2, "last_read_message_number": 0}'::jsonb, 'nor through a write RPC''s recipients (chat_join)');
create temp table snd on commit drop as select tests.send(tests.chat('shared'), 'three') as v;
select is((select tests.mark_of(v, 'bob') from snd), 0, 'nor through chat_send''s read marks');
select is((select last_read_message_number from public.chat_participants(tests.chat('shared')) where user_id = tests.id('alice')),
  3, 'alice''s own mark stays visible to her');
reset role;
select tests.act_as('bob');
select is((select last_read_message_number from public.chat_participants(tests.chat('shared')) where user_id = tests.id('alice')), 3,
  'and to bob, who shares his view of others (opting out hides only one''s own mark)');
reset role;
select tests.act_as('service');
select is(tests.mark_of(public.chat_send(tests.chat('shared'), '[{"text":"server"}]'), 'bob'), 2,
  'the secret key still gets the true marks for the fan-out');
reset role;
select tests.act_as('bob');
select is((select public.chat_set_user_settings(true) ->> 'version')::int, 2, 'bob turns them back on');
reset role;
select tests.act_as('alice');
select is((select last_read_message_number from public.chat_participants(tests.chat('shared')) where user_id = tests.id('bob')), 2,
  'and alice sees his mark again');

select * from finish();
rollback;
