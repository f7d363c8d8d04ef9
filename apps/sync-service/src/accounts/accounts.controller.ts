import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { EnforceQuota } from '@tenantbus/tenant-context';
import { AccountsService } from './accounts.service';
import {
  AccountAuditView,
  AccountView,
  CreateAccountDto,
  ListAccountsQuery,
  UpdateAccountDto,
} from './dto/account.dto';

/** Tenant API key → the caller's accounts; admin token → the tenant named by `customer_id`. */
@ApiTags('accounts')
@ApiBearerAuth()
@Controller('api/v1/accounts')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Post()
  @ApiCreatedResponse({ type: AccountView })
  create(@Body() dto: CreateAccountDto): Promise<AccountView> {
    return this.accounts.create(dto);
  }

  @Get()
  @ApiOkResponse({ type: [AccountView] })
  list(@Query() query: ListAccountsQuery): Promise<AccountView[]> {
    return this.accounts.list(query.active_only ?? false, query.customer_id);
  }

  @Get(':id')
  @ApiOkResponse({ type: AccountView })
  get(@Param('id') id: string): Promise<AccountView> {
    return this.accounts.get(id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: AccountView })
  update(@Param('id') id: string, @Body() dto: UpdateAccountDto): Promise<AccountView> {
    return this.accounts.update(id, dto);
  }

  @Delete(':id')
  @ApiOkResponse({ type: AccountView, description: 'Soft delete: `deleted_at` is set' })
  remove(@Param('id') id: string): Promise<AccountView> {
    return this.accounts.remove(id);
  }

  /** A manual sync costs a `sync.runs` unit: refused (429) when the plan's quota is used up. */
  @Post(':id/sync')
  @EnforceQuota('sync.runs')
  @ApiTooManyRequestsResponse({ description: 'QUOTA_EXCEEDED or RATE_LIMITED' })
  @HttpCode(202)
  @ApiAcceptedResponse({ type: AccountView, description: 'Queued for the next scheduler tick' })
  sync(@Param('id') id: string): Promise<AccountView> {
    return this.accounts.triggerSync(id);
  }

  @Get(':id/audit')
  @ApiOkResponse({ type: [AccountAuditView] })
  audit(@Param('id') id: string): Promise<AccountAuditView[]> {
    return this.accounts.audit(id);
  }
}
