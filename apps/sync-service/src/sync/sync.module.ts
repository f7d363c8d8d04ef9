import { Module } from '@nestjs/common';
import { HttpProvider } from './providers/http.provider';
import { SimulatedProvider } from './providers/simulated.provider';
import { SyncProviders } from './providers/sync-providers';
import { SyncLeases } from './sync-leases';
import { SyncTiming } from './sync-timing';
import { SyncRunner } from './sync.runner';
import { SyncScheduler } from './sync.scheduler';

@Module({
  providers: [
    SimulatedProvider,
    HttpProvider,
    SyncProviders,
    SyncTiming,
    SyncLeases,
    SyncRunner,
    SyncScheduler,
  ],
  exports: [SyncTiming, SyncScheduler],
})
export class SyncModule {}
