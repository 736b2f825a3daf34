-- A profile from the name given at sign-up (supabase-js `auth.signUp({ options: { data: { name } } })`),
-- the usual Supabase "new user" trigger. Only the name given when the account is created: later edits
-- of user_metadata change nothing, and the profile's own rules still apply (unique, "Assistant" and
-- "System" reserved). A name that breaks them is skipped, never the sign-up.
create function private.create_profile_on_signup() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if nullif(btrim(new.raw_user_meta_data ->> 'name'), '') is not null then
    begin
      insert into public.profiles (user_id, display_name) values (new.id, new.raw_user_meta_data ->> 'name');
    exception when unique_violation or invalid_parameter_value or string_data_right_truncation or check_violation then
      null;
    end;
  end if;
  return new;
end
$$;
revoke execute on function private.create_profile_on_signup() from public, anon, authenticated;

create trigger create_profile_on_signup after insert on auth.users
  for each row execute function private.create_profile_on_signup();
