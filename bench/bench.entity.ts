import { Entity, PrimaryKey, PrimaryKeyProp, Property } from '@mikro-orm/core';
import { TenantScopedEntity } from '@tenantbus/tenant-context';

/** A minimal tenant-scoped row (explicit column types: the bench runs without decorator metadata). */
@Entity({ tableName: 'bench_item' })
export class BenchItem extends TenantScopedEntity {
  [PrimaryKeyProp]?: ['tenantId', 'id'];

  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ type: 'text' })
  label!: string;
}

/** The same rows in a table without row-level security, to price the policies alone. */
@Entity({ tableName: 'bench_item_open' })
export class OpenBenchItem extends TenantScopedEntity {
  [PrimaryKeyProp]?: ['tenantId', 'id'];

  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ type: 'text' })
  label!: string;
}
