import { Module } from '@nestjs/common';
import { TenantGate } from './tenant-gate';
import { UsageLifecycleListener } from './usage-lifecycle.listener';

@Module({ providers: [TenantGate, UsageLifecycleListener], exports: [TenantGate] })
export class LifecycleModule {}
