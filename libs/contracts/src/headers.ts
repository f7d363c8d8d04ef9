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
/** On a dead letter whose body was cut to the size limit: the original body's length in bytes. */
export const DEAD_LETTER_TRUNCATED_HEADER = 'x-dead-letter-truncated';
/**
 * The largest message body a consumer accepts. Events are small (a usage event ~300 B, a tenant
 * snapshot a few KiB); NATS allows 1 MiB, which a batch of thousands must never be made of.
 */
export const MAX_MESSAGE_BYTES = 64 * 1024;
