import { Entity, OptionalProps, PrimaryKey, PrimaryKeyProp, Property } from '@mikro-orm/core';
import type { PlanLimits } from '@tenantbus/contracts';

/** A plan and its limits per meter (`null` = unlimited); tenants point at it by code. */
@Entity({ tableName: 'plan' })
export class Plan {
  [PrimaryKeyProp]?: 'code';
  [OptionalProps]?: 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'text' })
  code!: string;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'json' })
  limits: PlanLimits = {};

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
