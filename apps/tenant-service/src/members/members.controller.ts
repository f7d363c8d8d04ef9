import { Body, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse } from '@nestjs/swagger';
import { AdminController } from '../common/admin-controller.decorator';
import { AddMemberDto, MemberView, UpdateMemberDto } from './dto/member.dto';
import { MembersService } from './members.service';

@AdminController('api/v1/tenants/:id/members', 'members')
export class MembersController {
  constructor(private readonly members: MembersService) {}

  @Get()
  @ApiOkResponse({ type: [MemberView] })
  list(@Param('id') id: string): Promise<MemberView[]> {
    return this.members.list(id);
  }

  @Post()
  @ApiCreatedResponse({ type: MemberView })
  add(@Param('id') id: string, @Body() dto: AddMemberDto): Promise<MemberView> {
    return this.members.add(id, dto);
  }

  @Patch(':memberId')
  @ApiOkResponse({ type: MemberView })
  update(
    @Param('id') id: string,
    @Param('memberId') memberId: string,
    @Body() dto: UpdateMemberDto,
  ): Promise<MemberView> {
    return this.members.updateRole(id, memberId, dto);
  }

  @Delete(':memberId')
  @HttpCode(204)
  @ApiNoContentResponse()
  remove(@Param('id') id: string, @Param('memberId') memberId: string): Promise<void> {
    return this.members.remove(id, memberId);
  }
}
