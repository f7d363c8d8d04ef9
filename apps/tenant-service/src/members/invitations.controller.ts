import { Body, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse } from '@nestjs/swagger';
import { AdminController } from '../common/admin-controller.decorator';
import {
  AcceptInvitationDto,
  CreatedInvitation,
  CreateInvitationDto,
  InvitationView,
  MemberView,
} from './dto/member.dto';
import { InvitationsService } from './invitations.service';

@AdminController('api/v1', 'invitations')
export class InvitationsController {
  constructor(private readonly invitations: InvitationsService) {}

  @Get('tenants/:id/invitations')
  @ApiOkResponse({ type: [InvitationView] })
  list(@Param('id') id: string): Promise<InvitationView[]> {
    return this.invitations.list(id);
  }

  @Post('tenants/:id/invitations')
  @ApiCreatedResponse({
    type: CreatedInvitation,
    description: 'The token is shown in this response only',
  })
  create(@Param('id') id: string, @Body() dto: CreateInvitationDto): Promise<CreatedInvitation> {
    return this.invitations.create(id, dto);
  }

  @Delete('tenants/:id/invitations/:invitationId')
  @ApiOkResponse({ type: InvitationView, description: 'Revokes the invitation; it stays listed' })
  revoke(
    @Param('id') id: string,
    @Param('invitationId') invitationId: string,
  ): Promise<InvitationView> {
    return this.invitations.revoke(id, invitationId);
  }

  @Post('invitations/accept')
  @HttpCode(200)
  @ApiOkResponse({
    type: MemberView,
    description: '404 unknown, 409 used or revoked, 410 expired; single use',
  })
  accept(@Body() dto: AcceptInvitationDto): Promise<MemberView> {
    return this.invitations.accept(dto.token);
  }
}
