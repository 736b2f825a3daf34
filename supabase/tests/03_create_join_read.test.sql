-- chat_create, chat_join and chat_read: who may, what they write, what they return.
begin;
\ir fixtures/chat.psql
select plan(30);

-- create
select tests.act_as('alice');
create temp table c on commit drop as select public.chat_create('Trip', array[tests.id('bob'), tests.id('carol'), tests.id('bob'), tests.id('alice')], false, 'together') as v;
select is((select v -> 'conversation' ->> 'title' from c), 'Trip', 'chat_create returns the new conversation');
select is((select v -> 'conversation' ->> 'mode' from c), 'together', 'the mode is stored');
select is((select jsonb_array_length(v -> 'recipients') from c), 3, 'duplicates and the creator are folded: three participants');
select results_eq(
  format($$select user_id, role, invited_by from public.conversations_participants where conversation_id = %L order by role desc, user_id$$,
         (select v -> 'conversation' ->> 'id' from c)),
  format($$values (%L::uuid, 'owner', null::uuid), (%L::uuid, 'member', %L::uuid), (%L::uuid, 'member', %L::uuid)$$,
         tests.id('alice'), tests.id('bob'), tests.id('alice'), tests.id('carol'), tests.id('alice')),
  'the creator is owner; the others are members invited by her');
select is((select user_id from public.conversations where id = (select (v -> 'conversation' ->> 'id')::uuid from c)), tests.id('alice'),
  'the caller owns the conversation');
select throws_ok($$select public.chat_create('x', array['00000000-0000-4000-a000-0000000000ff'::uuid])$$, '23503',
  'unknown participant 00000000-0000-4000-a000-0000000000ff', 'an unknown participant id is refused');
select throws_ok($$select public.chat_create('x', array[null::uuid])$$, '22023', null, 'a null participant id is refused');
select throws_ok($$select public.chat_create('x', '{}', false, 'Not A Mode!')$$, '22023', null, 'a malformed mode is refused');
select throws_ok($$select public.chat_create(repeat('t', 201))$$, '22001', null, 'a title over 200 characters is refused');
select is((select count(*)::int from public.conversations where user_id = tests.id('alice')), 4,
  'the refused creates wrote nothing');

reset role;
select tests.act_as('anon');
select throws_ok($$select public.chat_create('anon chat')$$, '42501', null, 'anon cannot create conversations');
reset role;
select tests.act_as('service');
select throws_ok($$select public.chat_create('ownerless')$$, '42501', null, 'the secret key alone cannot create (a conversation needs an owner)');

-- join
reset role;
select tests.act_as('eve');
select throws_ok(format($$select public.chat_join(%L)$$, tests.chat('shared')), '42501', null,
  'user eve cannot join a private conversation');
select throws_ok($$select public.chat_join('c0000000-0000-4000-a000-0000000000ff')$$, '42501', null,
  'joining a conversation that does not exist gets the same refusal');
select is(count(*)::int, 0, 'the refused joins wrote nothing')
  from public.conversations_participants where user_id = tests.id('eve');

reset role;
select tests.act_as('service');
select public.chat_send(tests.chat('public'), '[{"text":"one"},{"text":"two"}]');
reset role;
select tests.act_as('carol');
create temp table j on commit drop as select public.chat_join(tests.chat('public')) as v;
select is((select v ->> 'joined' from j), 'true', 'a public conversation can be joined');
select is((select jsonb_path_query_array(v, '$.recipients[*].user_id') from j),
  jsonb_build_array(tests.id('alice'), tests.id('carol')), 'every participant, the joiner included, is a recipient');
select is((select v -> 'conversation' ->> 'participant_count' from j), '2', 'the summary counts the joiner');
select is((select last_read_message_number from public.conversations_participants
           where conversation_id = tests.chat('public') and user_id = tests.id('carol')), 2,
  'the joiner starts with the history read');
select is((select public.chat_join(tests.chat('public')) ->> 'joined'), 'false', 'joining twice changes nothing');
select is(count(*)::int, 2, 'no duplicate participant row') from public.conversations_participants where conversation_id = tests.chat('public');

reset role;
update public.conversations set is_public = true where id = tests.chat('legacy');
select tests.act_as('bob');
select is((select jsonb_array_length(public.chat_join(tests.chat('legacy')) -> 'recipients')), 2,
  'joining a public legacy conversation keeps its owner as a participant');

-- read
reset role;
select tests.act_as('alice');
select public.chat_send(tests.chat('shared'), '[{"text":"1"},{"text":"2"},{"text":"3"}]');
reset role;
select tests.act_as('bob');
select is((select public.chat_read(tests.chat('shared'), 1) ->> 'unread_count'), '2', 'reading up to 1 leaves 2 unread');
select is((select public.chat_read(tests.chat('shared'), 0) ->> 'unread_count'), '2', 'a read mark never moves back');
select is((select public.chat_read(tests.chat('shared'), 99) ->> 'unread_count'), '0', 'reading past the end clamps to the last message');
select is((select last_read_message_number from public.conversations_participants
           where conversation_id = tests.chat('shared') and user_id = tests.id('bob')), 3, 'the mark is stored');
select throws_ok(format($$select public.chat_read(%L, -1)$$, tests.chat('shared')), '22023', null, 'a negative mark is refused');
reset role;
select tests.act_as('eve');
select throws_ok(format($$select public.chat_read(%L)$$, tests.chat('shared')), '42501', null,
  'user eve cannot mark someone else''s conversation read');
reset role;
select tests.act_as('anon');
select throws_ok(format($$select public.chat_read(%L)$$, tests.chat('shared')), '42501', null, 'anon cannot mark read');
reset role;
select tests.act_as('service');
select throws_ok(format($$select public.chat_read(%L)$$, tests.chat('shared')), '42501', null,
  'read marks belong to users: the secret key alone has none');

select * from finish();
rollback;
