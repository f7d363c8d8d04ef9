import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Documentation of the body; validation is the contract's own schema (`UsageEventSchema`). */
export class UsageEventDto {
  @ApiPropertyOptional({ example: '1.0', default: '1.0' }) specversion?: string;
  @ApiProperty({ example: '6f1c2d1e-…', description: 'Idempotency key per tenant' }) id!: string;
  @ApiProperty({ example: 'api.requests', description: 'Selects the meter(s)' }) type!: string;
  @ApiProperty({ example: 'billing-gateway' }) source!: string;
  @ApiProperty({ example: '2026-11-25T10:00:00Z' }) time!: string;
  @ApiPropertyOptional({ example: 'account-42' }) subject?: string;
  @ApiProperty({ example: { value: 1, route: '/orders' } }) data!: Record<string, unknown>;
}

export class EventsAcceptedView {
  @ApiProperty({ description: 'Events queued for metering (duplicates are counted once)' })
  accepted!: number;
}
