import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AccountsService } from './accounts.service';
import {
  AccountView,
  BulkAssignDto,
  BulkAssignView,
  CustomerAccountsQuery,
} from './dto/account.dto';

/** The seed's customer routes: `customerId` is a tenant id (the caller's own, unless admin). */
@ApiTags('customers')
@ApiBearerAuth()
@Controller('api/v1/customers/:customerId/accounts')
export class CustomersController {
  constructor(private readonly accounts: AccountsService) {}

  @Get()
  @ApiOkResponse({ type: [AccountView] })
  list(
    @Param('customerId', ParseUUIDPipe) customerId: string,
    @Query() query: CustomerAccountsQuery,
  ): Promise<AccountView[]> {
    return this.accounts.list(query.active_only ?? false, customerId);
  }

  @Post('bulk-assign')
  @HttpCode(200)
  @ApiOkResponse({ type: BulkAssignView, description: 'Admin only; all or nothing; audited' })
  bulkAssign(
    @Param('customerId', ParseUUIDPipe) customerId: string,
    @Body() dto: BulkAssignDto,
  ): Promise<BulkAssignView> {
    return this.accounts.bulkAssign(customerId, dto);
  }
}
