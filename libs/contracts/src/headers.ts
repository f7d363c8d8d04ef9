/** Header names that carry tenancy and correlation across every NATS hop. */
export const TENANT_ID_HEADER = 'x-tenant-id';
export const CORRELATION_ID_HEADER = 'x-correlation-id';
/** Who caused the message: `<kind>:<id>`, e.g. `api_key:4f0c…` or `admin:ops`. */
export const ACTOR_HEADER = 'x-actor';
/** Set instead of a tenant id on messages sent from an audited system scope. */
export const SYSTEM_SCOPE_HEADER = 'x-system-scope';
/** Why a message was dead-lettered (a stable error code) and the human-readable detail. */
export const DEAD_LETTER_REASON_HEADER = 'x-dead-letter-reason';
export const DEAD_LETTER_DETAIL_HEADER = 'x-dead-letter-detail';
export const DEAD_LETTER_SUBJECT_HEADER = 'x-dead-letter-subject';
