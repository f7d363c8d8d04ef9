import {
  Entity,
  ManyToOne,
  OptionalProps,
  PrimaryKey,
  PrimaryKeyProp,
  Property,
  Unique,
  type Ref,
} from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { TenantScopedEntity } from '../src';

@Entity({ tableName: 'widget' })
@Unique({ properties: ['tenantId', 'name'] })
export class Widget extends TenantScopedEntity {
  [PrimaryKeyProp]?: ['tenantId', 'id'];
  [OptionalProps]?: 'tenantId' | 'id' | 'stock';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'integer' })
  stock = 0;
}

@Entity({ tableName: 'part' })
export class Part extends TenantScopedEntity {
  [PrimaryKeyProp]?: ['tenantId', 'id'];
  [OptionalProps]?: 'tenantId' | 'id';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  label!: string;

  /** The composite foreign key shares this row's own tenant_id column: no cross-tenant links. */
  @ManyToOne(() => Widget, { ref: true, joinColumns: ['tenant_id', 'widget_id'] })
  widget!: Ref<Widget>;
}

export const FIXTURE_SCHEMA = [
  `create table widget (tenant_id uuid not null, id uuid not null, name text not null, stock int not null default 0,
     primary key (tenant_id, id), unique (tenant_id, name))`,
  `create table part (tenant_id uuid not null, id uuid not null, label text not null, widget_id uuid not null,
     primary key (tenant_id, id), foreign key (tenant_id, widget_id) references widget (tenant_id, id))`,
];
