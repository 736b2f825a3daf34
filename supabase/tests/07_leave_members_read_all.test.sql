-- chat_leave, chat_members, chat_read_all and the chat:<chat_id> topic policies.
begin;
\ir fixtures/chat.psql
\ir fixtures/realtime_probes.psql
select plan(38);

create function tests.version(chat uuid) returns bigint
language sql stable security definer set search_path = '' as $$ select version from public.conversations where id = chat $$;

-- members
select tests.act_as('bob');
select results_eq(
  format($$select user_id, role, last_read_message_number, last_seen_at from public.chat_members(%L)$$, tests.chat('shared')),
  format($$values (%L::uuid, 'owner'::text, 0, null::timestamptz), (%L::uuid, 'member'::text, 0, null::timestamptz)$$,
         tests.id('alice'), tests.id('bob')),
  'a member lists the members with role, read mark and last seen (null without presence)');
reset role;
select tests.act_as('alice');
select is((select count(*)::int from public.chat_members(tests.chat('legacy'))), 1, 'a legacy conversation lists its owner');
reset role;
select tests.act_as('eve');
select throws_ok(format($$select * from public.chat_members(%L)$$, tests.chat('shared')), '42501', null,
  'user eve cannot list the members of a conversation she is not in');

-- topic policies
reset role;
select ok(tests.can_read('bob', 'chat:' || tests.chat('shared')), 'a member may receive on chat:<chat_id>');
select ok(tests.can_read('bob', 'chat:' || tests.chat('shared'), 'presence'), 'presence included');
select ok(tests.can_write('bob', 'chat:' || tests.chat('shared'), 'broadcast', 'typing'), 'and send on it');
select ok(not tests.can_read('eve', 'chat:' || tests.chat('shared')), 'user eve cannot receive on a conversation topic she is not in');
select ok(not tests.can_write('eve', 'chat:' || tests.chat('shared'), 'broadcast', 'typing'), 'nor send on it');
select ok(not tests.can_read('bob', 'chat:not-a-uuid'), 'a malformed topic admits nobody');
select ok(not tests.can_read('anon', 'chat:' || tests.chat('shared')), 'anon gets nothing');

-- leave: refusals first
select tests.act_as('bob');
select throws_ok(format($$select public.chat_leave(%L, %L)$$, tests.chat('shared'), tests.id('alice')), '42501', null,
  'user bob (a member) cannot remove the owner');
reset role;
select tests.act_as('eve');
select throws_ok(format($$select public.chat_leave(%L)$$, tests.chat('shared')), '42501', null, 'a non-member cannot leave');
select throws_ok(format($$select public.chat_leave(%L, %L)$$, tests.chat('shared'), tests.id('bob')), '42501', null,
  'nor remove anyone');
reset role;
select tests.act_as('alice');
select throws_ok(format($$select public.chat_leave(%L, %L)$$, tests.chat('shared'), tests.id('eve')), 'PT404', null,
  'removing someone who is not a participant is not found');
reset role;
select tests.act_as('service');
select throws_ok(format($$select public.chat_leave(%L)$$, tests.chat('shared')), '22023', null,
  'the secret key must name the user');
reset role;
select is((select count(*)::int from public.conversations_participants where conversation_id = tests.chat('shared')), 2,
  'the refusals removed nobody');

-- bob leaves
select tests.act_as('bob');
create temp table v0 on commit drop as select tests.version(tests.chat('shared')) as v;
create temp table l on commit drop as select public.chat_leave(tests.chat('shared')) as v;
select is((select v ->> 'reason' from l), 'left', 'leaving oneself is reason left');
select is((select jsonb_path_query_array(v, '$.recipients[*].user_id') from l), jsonb_build_array(tests.id('alice')),
  'the others are the recipients');
select is((select (v ->> 'version')::bigint from l), (select v + 1 from v0), 'a leave raises the version by one');
select is((select v -> 'conversation' ->> 'participant_count' from l), '1', 'the summary counts one fewer');
select is((select count(*)::int from public.conversations where id = tests.chat('shared')), 0, 'RLS: he no longer sees the conversation');
select is((select count(*)::int from public.messages where chat_id = tests.chat('shared')), 0, 'nor its messages');
select is((select count(*)::int from public.chat_inbox() x where x ->> 'id' = tests.chat('shared')::text), 0, 'nor in chat_inbox');
select throws_ok(format($$select * from public.chat_messages(%L)$$, tests.chat('shared')), '42501', null,
  'user bob cannot read the conversation after leaving (chat_messages)');
select throws_ok(format($$select public.chat_changes(%L, 0, 0)$$, tests.chat('shared')), '42501', null, 'nor chat_changes');
select throws_ok(format($$select tests.send(%L, 'still here?')$$, tests.chat('shared')), '42501', null, 'nor send');
reset role;
select ok(not tests.can_read('bob', 'chat:' || tests.chat('shared')), 'nor receive on its topic');

-- the owner removes a member, the owner leaves, the last one leaves
select tests.act_as('alice');
create temp table g on commit drop as select public.chat_create('group', array[tests.id('bob'), tests.id('carol')]) as v;
select is((select public.chat_leave((select (v -> 'conversation' ->> 'id')::uuid from g), tests.id('carol')) ->> 'reason'), 'removed',
  'the owner removes a member: reason removed');
select is((select public.chat_leave((select (v -> 'conversation' ->> 'id')::uuid from g)) ->> 'new_owner_id'), tests.id('bob')::text,
  'an owner who leaves hands the conversation to the longest-standing member');
reset role;
select is((select user_id from public.conversations where id = (select (v -> 'conversation' ->> 'id')::uuid from g)), tests.id('bob'),
  'who now owns it');
select is((select role from public.conversations_participants
           where conversation_id = (select (v -> 'conversation' ->> 'id')::uuid from g) and user_id = tests.id('bob')), 'owner',
  'with the owner role');
select tests.act_as('bob');
select is((select public.chat_leave((select (v -> 'conversation' ->> 'id')::uuid from g)) ->> 'conversation_deleted'), 'true',
  'the last member leaving deletes the conversation');
reset role;
select is((select count(*)::int from public.conversations where id = (select (v -> 'conversation' ->> 'id')::uuid from g)), 0,
  'it is gone, so nobody regains access through the legacy rule');

select tests.act_as('alice');
select public.chat_create('served', array[tests.id('bob')]);
reset role;
select tests.act_as('service');
select is((select public.chat_leave((select id from public.conversations where title = 'served'), tests.id('bob')) ->> 'reason'), 'removed',
  'the secret key removes a member (server-side moderation)');
reset role;

-- grants
select ok(not has_function_privilege('anon', 'public.chat_leave(uuid, uuid)', 'execute')
  and not has_function_privilege('anon', 'public.chat_edit(uuid, uuid, text, jsonb)', 'execute')
  and not has_function_privilege('anon', 'public.chat_delete(uuid, uuid)', 'execute')
  and not has_function_privilege('anon', 'public.chat_members(uuid)', 'execute')
  and not has_function_privilege('anon', 'public.chat_read_all()', 'execute')
  and not has_function_privilege('anon', 'public.chat_changes(uuid, integer, bigint, integer)', 'execute'),
  'anon may execute none of the new RPCs');

-- read all
select tests.act_as('service');
select public.chat_send(tests.chat('public'), '[{"text":"p1"},{"text":"p2"}]');
select public.chat_send(tests.chat('legacy'), '[{"text":"l1"}]');
reset role;
select tests.act_as('alice');
create temp table r on commit drop as select public.chat_read_all() as v;
select is((select v -> 'conversations' from r),
  jsonb_build_array(jsonb_build_object('chat_id', tests.chat('public'), 'last_read_message_number', 2),
                    jsonb_build_object('chat_id', tests.chat('legacy'), 'last_read_message_number', 1)),
  'mark all read moves every unread mark in one call and lists only what changed');
select is((select sum((x ->> 'unread_count')::int)::int from public.chat_inbox() x), 0, 'nothing is unread afterwards');
select is((select jsonb_array_length(public.chat_read_all() -> 'conversations')), 0, 'a second call changes nothing');

select * from finish();
rollback;
