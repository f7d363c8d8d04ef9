import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { TenantsModule } from '../tenants/tenants.module';
import { InvitationsController } from './invitations.controller';
import { InvitationsService } from './invitations.service';
import { MembersController } from './members.controller';
import { MembersService } from './members.service';

@Module({
  imports: [AuditModule, TenantsModule],
  controllers: [MembersController, InvitationsController],
  providers: [MembersService, InvitationsService],
})
export class MembersModule {}
