import { Module } from '@nestjs/common';

/** Filled in by the domains feature (controllers, services). */
@Module({})
export class DomainsModule {}
