import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/** Who did what to which target, with before/after; written in the same transaction as the change. */
@Entity({ tableName: 'audit_event' })
export class AuditEvent {
  [OptionalProps]?: 'id' | 'createdAt';

  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'uuid', nullable: true })
  tenantId?: string | null;

  /** `admin:<token id>`, `api_key:<key id>`, `service:<name>` or `system:<reason>`. */
  @Property({ type: 'text' })
  actor!: string;

  @Property({ type: 'text' })
  action!: string;

  @Property({ type: 'text' })
  targetType!: string;

  @Property({ type: 'text' })
  targetId!: string;

  @Property({ type: 'json', nullable: true })
  before?: Record<string, unknown> | null;

  @Property({ type: 'json', nullable: true })
  after?: Record<string, unknown> | null;

  @Property({ type: 'text', nullable: true })
  correlationId?: string | null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
