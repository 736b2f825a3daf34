-- chat_touch_last_seen, last_seen_at in chat_members, and the presence half of the chat:<chat_id>
-- topic policies (typing and presence).
begin;
\ir fixtures/chat.psql
\ir fixtures/realtime_probes.psql
select plan(14);

create function tests.stored(who text) returns timestamptz
language sql stable security definer set search_path = '' as $$
  select last_seen_at from private.user_last_seen where user_id = tests.id(who)
$$;

-- presence policies
select ok(tests.can_write('bob', 'chat:' || tests.chat('shared'), 'presence'), 'a member may track presence on chat:<chat_id>');
select ok(tests.can_read('bob', 'chat:' || tests.chat('shared'), 'presence'), 'and see it');
select ok(not tests.can_write('eve', 'chat:' || tests.chat('shared'), 'presence'), 'user eve may not track presence on a conversation she is not in');
select ok(not tests.can_read('eve', 'chat:' || tests.chat('shared'), 'presence'), 'nor see its presence');
select ok(not tests.can_write('eve', 'chat:' || tests.chat('shared'), 'broadcast'), 'nor type into it');
select ok(not tests.can_write('bob', 'chat:' || tests.chat('shared'), 'postgres_changes'), 'no other extension is allowed');
select ok(not tests.can_write('bob', 'user-realtime:' || tests.id('bob'), 'presence'), 'no presence on inbox topics');
select ok(not tests.can_read('bob', 'user-realtime:' || tests.id('bob'), 'presence'), 'not even one''s own');

-- last seen
select tests.act_as('bob');
select is(public.chat_touch_last_seen(), now(), 'the first touch records now');
reset role;
select is(tests.stored('bob'), now(), 'one row for the user');
update private.user_last_seen set last_seen_at = now() - interval '10 seconds' where user_id = tests.id('bob');
select tests.act_as('bob');
select is(public.chat_touch_last_seen(), now() - interval '10 seconds', 'a touch within the minute writes nothing');
reset role;
update private.user_last_seen set last_seen_at = now() - interval '61 seconds' where user_id = tests.id('bob');
select tests.act_as('alice');
select results_eq(
  format($$select user_id, last_seen_at from public.chat_members(%L)$$, tests.chat('shared')),
  format($$values (%L::uuid, null::timestamptz), (%L::uuid, now() - interval '61 seconds')$$, tests.id('alice'), tests.id('bob')),
  'chat_members shows a co-member''s last seen, null for one never seen');
reset role;
select tests.act_as('bob');
select is(public.chat_touch_last_seen(), now(), 'a touch after the minute moves it');
reset role;
select tests.act_as('anon');
select throws_ok('select public.chat_touch_last_seen()', '42501', null, 'anon cannot touch');
reset role;

select * from finish();
rollback;
