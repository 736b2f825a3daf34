-- Display names come from profiles the users own (issue 12, item 5): never from the token's
-- user_metadata, never from the email; unique, server names reserved, readable only by co-members.
begin;
\ir fixtures/chat.psql
select plan(23);

-- alice edits her user_metadata (auth.updateUser) to pose as the assistant; she has no profile yet.
select set_config('role', 'authenticated', true), set_config('request.jwt.claims', json_build_object(
  'sub', tests.id('alice'), 'role', 'authenticated', 'email', 'alice@example.test',
  'user_metadata', json_build_object('name', 'Assistant', 'full_name', 'Bob'))::text, true);
select is((select public.chat_send(tests.chat('shared'), '[{"text":"trust me"}]') -> 'messages' -> 0 ->> 'user_name'), null,
  'user_metadata does not name a message, and without a profile user_name is null');
select is((select count(*)::int from public.messages where user_name in ('Assistant', 'Bob', 'alice')), 0,
  'neither the forged names nor the email''s local part were stored');

select lives_ok($$insert into public.profiles (user_id, display_name) values (tests.id('alice'), '  Alice  ')$$,
  'a user creates her own profile');
select is((select public.chat_send(tests.chat('shared'), '[{"text":"hi"}]') -> 'messages' -> 0 ->> 'user_name'), 'Alice',
  'messages carry the profile''s name, trimmed');
select throws_ok($$insert into public.profiles (user_id, display_name) values (tests.id('bob'), 'Bobby')$$, '42501', null,
  'nobody creates a profile for someone else');
select lives_ok($$update public.profiles set display_name = 'Alice L.' where user_id = tests.id('alice')$$, 'she renames herself');
select is((select display_name from public.profiles where user_id = tests.id('alice')), 'Alice L.', 'the new name is stored');
select throws_ok($$update public.profiles set user_id = tests.id('bob') where user_id = tests.id('alice')$$, '42501', null,
  'a profile cannot be handed to someone else');

select throws_ok(format($$update public.profiles set display_name = %L where user_id = tests.id('alice')$$, name), '22023', null,
  format('the reserved name %s is refused', name))
from unnest(array['Assistant', ' assistant ', 'SYSTEM', E'Ａｓｓｉｓｔａｎｔ', E'Assis\u200btant', E'System\u00a0']) name;
select throws_ok(format($$update public.profiles set display_name = %L where user_id = tests.id('alice')$$, name), code, null,
  format('the name %s is refused', label))
from (values (E' \u3000\t', '22023', 'of only whitespace'), (repeat('a', 41), '22001', 'of 41 characters'),
             (E'Al\u0007ice', '22023', 'with a control character')) v (name, code, label);

reset role;
select set_config('role', 'authenticated', true), set_config('request.jwt.claims', json_build_object(
  'sub', tests.id('bob'), 'role', 'authenticated')::text, true);
select throws_ok($$insert into public.profiles (user_id, display_name) values (tests.id('bob'), E'ALICE\u3000 l.')$$, '23505', null,
  'another member cannot take her name in other case or spacing');
select lives_ok($$insert into public.profiles (user_id, display_name) values (tests.id('bob'), 'Bob')$$, 'bob takes his own');
select is((select display_name from public.profiles where user_id = tests.id('alice')), 'Alice L.',
  'a co-member reads her name');
select is((select count(*)::int from public.profiles where user_id = tests.id('alice') and display_name <> 'Alice L.'), 0,
  'and cannot have changed it');

reset role;
select set_config('role', 'authenticated', true), set_config('request.jwt.claims', json_build_object(
  'sub', tests.id('eve'), 'role', 'authenticated')::text, true);
select is((select count(*)::int from public.profiles), 0, 'a stranger lists no profiles (no user directory)');

reset role;
select set_config('role', 'anon', true), set_config('request.jwt.claims', '{"role":"anon"}', true);
select throws_ok($$select count(*) from public.profiles$$, '42501', null, 'anon reads no profiles');

select * from finish();
rollback;
