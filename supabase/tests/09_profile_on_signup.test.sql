-- The name given at sign-up becomes the profile, under the profile's rules; a name that breaks them
-- leaves the account without a profile rather than refusing the sign-up.
begin;
\ir fixtures/chat.psql
select plan(5);

insert into auth.users (id, email, aud, role, raw_user_meta_data) values
  ('00000000-0000-4000-a000-000000000101', 'dana@example.test', 'authenticated', 'authenticated', '{"name":" Dana "}'),
  ('00000000-0000-4000-a000-000000000102', 'dan@example.test', 'authenticated', 'authenticated', '{"name":"DANA"}'),
  ('00000000-0000-4000-a000-000000000103', 'mal@example.test', 'authenticated', 'authenticated', '{"name":"Assistant"}'),
  ('00000000-0000-4000-a000-000000000104', 'quiet@example.test', 'authenticated', 'authenticated', '{}');

select is((select display_name from public.profiles where user_id = tests.id('dana')), 'Dana',
  'the sign-up name becomes the profile, trimmed');
select is((select count(*)::int from public.profiles where user_id = tests.id('dan')), 0,
  'a name already taken (whatever the case) is skipped');
select is((select count(*)::int from public.profiles where user_id = tests.id('mal')), 0,
  'a reserved name is skipped');
select is((select count(*)::int from auth.users where email in ('dan@example.test', 'mal@example.test', 'quiet@example.test')), 3,
  'and none of those sign-ups is refused');

update auth.users set raw_user_meta_data = '{"name":"Assistant"}' where id = tests.id('dana');
select is((select display_name from public.profiles where user_id = tests.id('dana')), 'Dana',
  'editing user_metadata later changes nothing');

select * from finish();
rollback;
