DROP TRIGGER IF EXISTS users_notify_update ON public.users;
DROP TRIGGER IF EXISTS users_notify_insert_delete ON public.users;
DROP FUNCTION IF EXISTS public.atende_notify_member_change();
DROP TRIGGER IF EXISTS api_tokens_notify_update ON public.api_tokens;
DROP TRIGGER IF EXISTS api_tokens_notify_delete ON public.api_tokens;
DROP FUNCTION IF EXISTS public.atende_notify_token_change();
DROP TRIGGER IF EXISTS auth_sessions_notify_update ON public.auth_sessions;
DROP TRIGGER IF EXISTS auth_sessions_notify_delete ON public.auth_sessions;
DROP FUNCTION IF EXISTS public.atende_notify_session_change();
