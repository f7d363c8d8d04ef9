import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TenantStateController } from './tenant-state.controller';
import {
  TENANT_LIFECYCLE_OPTIONS,
  TenantLifecycleFollower,
  type TenantLifecycleOptions,
} from './tenant-lifecycle.follower';

/**
 * For services that follow tenants: a durable consumer of lifecycle events that maintains the
 * `TenantState` table and calls every `@OnTenantLifecycle()` provider. Needs the ORM (with
 * `TenantState` among its entities) and `TenantOrmModule`. Operators read a tenant's state at
 * `GET /api/v1/admin/tenants/:tenantId/state` (admin token).
 */
@Module({})
export class TenantLifecycleModule {
  static forRoot(options: TenantLifecycleOptions): DynamicModule {
    return {
      module: TenantLifecycleModule,
      imports: [DiscoveryModule],
      controllers: [TenantStateController],
      providers: [
        { provide: TENANT_LIFECYCLE_OPTIONS, useValue: options },
        TenantLifecycleFollower,
      ],
      exports: [TenantLifecycleFollower],
    };
  }
}
