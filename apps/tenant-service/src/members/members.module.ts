import { Module } from '@nestjs/common';

/** Filled in by the members feature (controllers, services). */
@Module({})
export class MembersModule {}
