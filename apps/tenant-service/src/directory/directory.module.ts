import { Module } from '@nestjs/common';
import { TenantsModule } from '../tenants/tenants.module';
import { RegistryResponder } from './registry.responder';

@Module({ imports: [TenantsModule], providers: [RegistryResponder] })
export class DirectoryModule {}
