import { Module } from '@nestjs/common';
import { TenantLifecycleModule } from '@tenantbus/tenant-context';
import { SyncModule } from '../sync/sync.module';
import { SyncLifecycleListener } from './sync-lifecycle.listener';
import { TenantDataEraser } from './tenant-data.eraser';

@Module({
  imports: [TenantLifecycleModule.forRoot({ durable: 'sync-service-lifecycle' }), SyncModule],
  providers: [SyncLifecycleListener, TenantDataEraser],
})
export class SyncLifecycleModule {}
