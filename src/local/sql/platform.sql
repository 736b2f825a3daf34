-- What a Supabase project's database has before any migration runs, for Postgres servers that are
-- not Supabase (CI, the local stack, pgTAP). Only what the platform really provides, and only the
-- parts this project touches. Every statement creates what is missing and leaves existing objects
-- alone, so it coexists with @supabase/lite's own auth schema and is a no-op on a real project.

do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
end
$$;

create schema if not exists extensions;
create schema if not exists auth;
create schema if not exists realtime;

grant usage on schema public, extensions to anon, authenticated, service_role;
grant usage on schema auth, realtime to anon, authenticated, service_role;

-- auth: the subset of GoTrue's table and helpers that migrations reference.
create table if not exists auth.users (
  id uuid primary key,
  aud varchar(255),
  role varchar(255),
  email varchar(255),
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);

do $$
declare
  f record;
begin
  -- auth.uid() and auth.role() as the platform defines them: the legacy per-claim setting first,
  -- then the claim inside request.jwt.claims.
  for f in select * from (values ('uid', 'sub', 'uuid'), ('role', 'role', 'text')) as v (name, claim, type) loop
    if to_regprocedure(format('auth.%I()', f.name)) is null then
      execute format(
        $sql$create function auth.%I() returns %s language sql stable as $f$
          select coalesce(
            nullif(current_setting('request.jwt.claim.%s', true), ''),
            (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> %L)
          )::%s
        $f$ $sql$, f.name, f.type, f.claim, f.claim, f.type);
    end if;
  end loop;
  if to_regprocedure('auth.jwt()') is null then
    create function auth.jwt() returns jsonb language sql stable as $f$
      select coalesce(
        nullif(current_setting('request.jwt.claim', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')
      )::jsonb
    $f$;
  end if;
end
$$;

grant execute on function auth.uid(), auth.role(), auth.jwt() to anon, authenticated, service_role;

-- realtime: the table Realtime authorizes channels against. The hosted one is partitioned by day;
-- a plain table behaves the same for policy checks, which is all it is used for here.
create table if not exists realtime.messages (
  id uuid not null default gen_random_uuid(),
  topic text not null,
  extension text not null,
  payload jsonb,
  event text,
  private boolean default false,
  updated_at timestamp not null default now(),
  inserted_at timestamp not null default now(),
  primary key (id, inserted_at)
);
alter table realtime.messages enable row level security;
grant select, insert, update on realtime.messages to anon, authenticated, service_role;

do $$
begin
  if to_regprocedure('realtime.topic()') is null then
    create function realtime.topic() returns text language sql stable as $f$
      select nullif(current_setting('realtime.topic', true), '')::text
    $f$;
  end if;
end
$$;
grant execute on function realtime.topic() to anon, authenticated, service_role;
