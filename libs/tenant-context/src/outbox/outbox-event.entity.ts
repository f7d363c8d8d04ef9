import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * An event committed with the change it describes; the relay publishes it and stamps
 * `publishedAt`. Global table: the relay reads every tenant's rows, and each row names its
 * tenant in `tenantId` and in the captured headers.
 */
@Entity({ tableName: 'outbox' })
export class OutboxEvent {
  [OptionalProps]?: 'id' | 'createdAt' | 'attempts' | 'tenantId';

  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  /** Also the JetStream `Nats-Msg-Id`, so a re-publish after a crash is dropped by the server. */
  @Property({ type: 'uuid', unique: true })
  eventId!: string;

  /** The tenant the event belongs to or concerns; null for platform events naming several. */
  @Property({ type: 'uuid', nullable: true })
  tenantId?: string | null;

  /** The full subject, bus prefix included. */
  @Property({ type: 'text' })
  subject!: string;

  @Property({ type: 'json' })
  payload!: Record<string, unknown>;

  /** Tenant, correlation and trace headers captured at write time: the trace continues from the request. */
  @Property({ type: 'json' })
  headers!: Record<string, string>;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  publishedAt?: Date | null;

  @Property({ type: 'integer' })
  attempts = 0;
}
