// @generated automatically by Diesel CLI.

pub mod sql_types {
    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "tsvector", schema = "pg_catalog"))]
    pub struct Tsvector;
}

diesel::table! {
    ai_context_snapshots (id) {
        id -> Uuid,
        company_id -> Uuid,
        client_id -> Uuid,
        source_conversation_id -> Nullable<Uuid>,
        summary -> Text,
        flags -> Jsonb,
        next_best_action -> Nullable<Text>,
        evidence -> Array<Nullable<Uuid>>,
        trigger -> Text,
        requested_by -> Nullable<Uuid>,
        analyzer -> Text,
        model -> Nullable<Text>,
        locale -> Text,
        schema_version -> Int4,
        input_message_count -> Int4,
        input_from -> Nullable<Timestamptz>,
        input_to -> Nullable<Timestamptz>,
        prompt_tokens -> Nullable<Int4>,
        completion_tokens -> Nullable<Int4>,
        latency_ms -> Nullable<Int4>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Uuid,
        company_id -> Uuid,
        name -> Text,
        role -> Text,
        token_hash -> Bytea,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        scopes -> Array<Nullable<Text>>,
        expires_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    appointments (id) {
        id -> Uuid,
        company_id -> Uuid,
        client_id -> Uuid,
        service_id -> Uuid,
        user_id -> Nullable<Uuid>,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        status -> Text,
        notes -> Nullable<Text>,
        created_by -> Nullable<Uuid>,
        canceled_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    auth_attempts (key) {
        key -> Text,
        window_started_at -> Timestamptz,
        failures -> Int4,
    }
}

diesel::table! {
    auth_identities (id) {
        id -> Uuid,
        email -> Text,
        provider -> Text,
        password_hash -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        email_verified_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    auth_password_resets (auth_user_id) {
        auth_user_id -> Uuid,
        token_hash -> Bytea,
        expires_at -> Timestamptz,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    auth_sessions (id) {
        id -> Uuid,
        token_hash -> Bytea,
        auth_user_id -> Uuid,
        created_at -> Timestamptz,
        last_seen_at -> Timestamptz,
        idle_expires_at -> Timestamptz,
        expires_at -> Timestamptz,
        user_agent -> Nullable<Text>,
        ip -> Nullable<Text>,
        active_company_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    client_identities (id) {
        id -> Uuid,
        company_id -> Uuid,
        client_id -> Uuid,
        channel -> Text,
        external_id -> Text,
        display_value -> Nullable<Text>,
        phone -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    clients (id) {
        id -> Uuid,
        company_id -> Uuid,
        name -> Nullable<Text>,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        instagram_username -> Nullable<Text>,
        notes -> Nullable<Text>,
        tags -> Array<Nullable<Text>>,
        status -> Text,
        search_text -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    companies (id) {
        id -> Uuid,
        name -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    conversation_labels (company_id, conversation_id, label_id) {
        company_id -> Uuid,
        conversation_id -> Uuid,
        label_id -> Uuid,
        attached_by -> Nullable<Uuid>,
        attached_at -> Timestamptz,
    }
}

diesel::table! {
    conversation_notes (company_id, id) {
        id -> Uuid,
        company_id -> Uuid,
        conversation_id -> Uuid,
        author_id -> Nullable<Uuid>,
        text -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    conversation_threads (id) {
        id -> Uuid,
        company_id -> Uuid,
        client_id -> Uuid,
        status -> Text,
        channel -> Text,
        last_inbound_channel -> Nullable<Text>,
        started_at -> Timestamptz,
        ended_at -> Nullable<Timestamptz>,
        close_reason -> Nullable<Text>,
        closed_by -> Nullable<Uuid>,
        last_message_at -> Nullable<Timestamptz>,
        last_inbound_at -> Nullable<Timestamptz>,
        sort_at -> Timestamptz,
        unread_count -> Int4,
        last_read_at -> Nullable<Timestamptz>,
        last_read_by -> Nullable<Uuid>,
        last_interaction_id -> Nullable<Uuid>,
        last_message_snippet -> Nullable<Text>,
        last_message_direction -> Nullable<Text>,
        last_message_status -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    event_counters (company_id) {
        company_id -> Uuid,
        last_id -> Int8,
    }
}

diesel::table! {
    events (company_id, id) {
        company_id -> Uuid,
        id -> Int8,
        kind -> Text,
        conversation_id -> Nullable<Uuid>,
        client_id -> Nullable<Uuid>,
        payload -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    idempotency_keys (company_id, key) {
        company_id -> Uuid,
        key -> Text,
        interaction_id -> Uuid,
        created_at -> Timestamptz,
        request_hash -> Nullable<Bytea>,
    }
}

diesel::table! {
    integrations (id) {
        id -> Uuid,
        company_id -> Uuid,
        provider -> Text,
        account_id -> Text,
        config -> Jsonb,
        secrets -> Nullable<Bytea>,
        secret_names -> Array<Nullable<Text>>,
        verify_token_hash -> Nullable<Bytea>,
        status -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        verified_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Tsvector;

    interactions (id) {
        id -> Uuid,
        company_id -> Uuid,
        conversation_id -> Uuid,
        client_id -> Uuid,
        channel -> Text,
        direction -> Text,
        content_type -> Text,
        text -> Nullable<Text>,
        media -> Nullable<Jsonb>,
        metadata -> Jsonb,
        external_id -> Nullable<Text>,
        status -> Text,
        error -> Nullable<Jsonb>,
        source -> Text,
        sent_by_user_id -> Nullable<Uuid>,
        occurred_at -> Timestamptz,
        queued_at -> Nullable<Timestamptz>,
        sent_at -> Nullable<Timestamptz>,
        delivered_at -> Nullable<Timestamptz>,
        read_at -> Nullable<Timestamptz>,
        failed_at -> Nullable<Timestamptz>,
        deleted_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        search_vector -> Nullable<Tsvector>,
    }
}

diesel::table! {
    jobs (id) {
        id -> Uuid,
        company_id -> Uuid,
        kind -> Text,
        payload -> Jsonb,
        status -> Text,
        unique_key -> Nullable<Text>,
        run_at -> Timestamptz,
        attempts -> Int4,
        max_attempts -> Int4,
        locked_by -> Nullable<Text>,
        locked_until -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
        result -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    labels (company_id, id) {
        id -> Uuid,
        company_id -> Uuid,
        name -> Text,
        colour -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    member_schedules (company_id, user_id) {
        company_id -> Uuid,
        user_id -> Uuid,
        weekly_hours -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    payments (id) {
        id -> Uuid,
        company_id -> Uuid,
        client_id -> Uuid,
        appointment_id -> Nullable<Uuid>,
        amount_cents -> Int8,
        currency -> Text,
        status -> Text,
        method -> Nullable<Text>,
        paid_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    rate_buckets (key) {
        key -> Text,
        tokens -> Float8,
        allowed -> Bool,
        updated_at -> Timestamptz,
        full_at -> Timestamptz,
    }
}

diesel::table! {
    services (id) {
        id -> Uuid,
        company_id -> Uuid,
        name -> Text,
        description -> Nullable<Text>,
        price_cents -> Int8,
        currency -> Text,
        duration_minutes -> Int4,
        active -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    settings (company_id) {
        company_id -> Uuid,
        timezone -> Text,
        locale -> Text,
        default_region -> Text,
        conversation_window_hours -> Int4,
        working_hours -> Jsonb,
        contact_email -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        logo_url -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        buffer_minutes -> Int4,
        slot_step_minutes -> Int4,
    }
}

diesel::table! {
    time_off (company_id, id) {
        id -> Uuid,
        company_id -> Uuid,
        user_id -> Uuid,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        reason -> Nullable<Text>,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    snapshot_runs (id) {
        id -> Uuid,
        company_id -> Uuid,
        client_id -> Uuid,
        status -> Text,
        server_key -> Bool,
        started_at -> Timestamptz,
        expires_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        company_id -> Uuid,
        auth_user_id -> Nullable<Uuid>,
        email -> Text,
        name -> Text,
        role -> Text,
        status -> Text,
        invite_token_hash -> Nullable<Bytea>,
        invite_expires_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(ai_context_snapshots -> companies (company_id));
diesel::joinable!(api_tokens -> companies (company_id));
diesel::joinable!(appointments -> companies (company_id));
diesel::joinable!(auth_password_resets -> auth_identities (auth_user_id));
diesel::joinable!(auth_sessions -> auth_identities (auth_user_id));
diesel::joinable!(auth_sessions -> companies (active_company_id));
diesel::joinable!(client_identities -> companies (company_id));
diesel::joinable!(clients -> companies (company_id));
diesel::joinable!(conversation_labels -> companies (company_id));
diesel::joinable!(conversation_notes -> companies (company_id));
diesel::joinable!(conversation_threads -> companies (company_id));
diesel::joinable!(event_counters -> companies (company_id));
diesel::joinable!(events -> companies (company_id));
diesel::joinable!(idempotency_keys -> companies (company_id));
diesel::joinable!(integrations -> companies (company_id));
diesel::joinable!(interactions -> companies (company_id));
diesel::joinable!(jobs -> companies (company_id));
diesel::joinable!(labels -> companies (company_id));
diesel::joinable!(member_schedules -> companies (company_id));
diesel::joinable!(payments -> companies (company_id));
diesel::joinable!(services -> companies (company_id));
diesel::joinable!(settings -> companies (company_id));
diesel::joinable!(snapshot_runs -> companies (company_id));
diesel::joinable!(time_off -> companies (company_id));
diesel::joinable!(users -> companies (company_id));

diesel::allow_tables_to_appear_in_same_query!(
    ai_context_snapshots,
    api_tokens,
    appointments,
    auth_attempts,
    auth_identities,
    auth_password_resets,
    auth_sessions,
    client_identities,
    clients,
    companies,
    conversation_labels,
    conversation_notes,
    conversation_threads,
    event_counters,
    events,
    idempotency_keys,
    integrations,
    interactions,
    jobs,
    labels,
    member_schedules,
    payments,
    rate_buckets,
    services,
    settings,
    snapshot_runs,
    time_off,
    users,
);
