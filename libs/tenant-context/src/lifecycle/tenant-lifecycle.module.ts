import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import {
  TENANT_LIFECYCLE_OPTIONS,
  TenantLifecycleFollower,
  type TenantLifecycleOptions,
} from './tenant-lifecycle.follower';

/**
 * For services that follow tenants: a durable consumer of lifecycle events that maintains the
 * `TenantState` table and calls every `@OnTenantLifecycle()` provider. Needs the ORM (with
 * `TenantState` among its entities) and `TenantOrmModule`.
 */
@Module({})
export class TenantLifecycleModule {
  static forRoot(options: TenantLifecycleOptions): DynamicModule {
    return {
      module: TenantLifecycleModule,
      imports: [DiscoveryModule],
      providers: [
        { provide: TENANT_LIFECYCLE_OPTIONS, useValue: options },
        TenantLifecycleFollower,
      ],
      exports: [TenantLifecycleFollower],
    };
  }
}
