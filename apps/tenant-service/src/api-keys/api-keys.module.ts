import { Module } from '@nestjs/common';

/** Filled in by the api-keys feature (controllers, services). */
@Module({})
export class ApiKeysModule {}
