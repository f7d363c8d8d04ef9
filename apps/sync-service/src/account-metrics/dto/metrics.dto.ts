import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsUUID, Matches } from 'class-validator';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export class AccountMetricsQuery {
  @ApiPropertyOptional({
    format: 'uuid',
    description: "Admins name the account's tenant here; a tenant key may only name its own",
  })
  @IsOptional()
  @IsUUID()
  customer_id?: string;

  @ApiPropertyOptional({
    example: '2025-01-01T00:00:00Z',
    description: 'Inclusive; default 30 days before `end`',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  start?: string;

  @ApiPropertyOptional({ example: '2025-02-01T00:00:00Z', description: 'Exclusive; default now' })
  @IsOptional()
  @IsISO8601({ strict: true })
  end?: string;
}

export class AggregateQuery {
  @ApiProperty({ example: '2025-01-01', description: 'First day (UTC), inclusive' })
  @Matches(DAY, { message: 'start_date must be YYYY-MM-DD' })
  @IsISO8601({ strict: true })
  start_date!: string;

  @ApiProperty({
    example: '2025-02-01',
    description: "Day after the last (UTC): exclusive, as the seed's SQL",
  })
  @Matches(DAY, { message: 'end_date must be YYYY-MM-DD' })
  @IsISO8601({ strict: true })
  end_date!: string;
}

export class MetricPointView {
  @ApiProperty() time!: string;
  @ApiProperty({ example: 'home_page_views' }) metric!: string;
  @ApiProperty() value!: number;
}

export class DailyTotalsView {
  @ApiProperty({ example: '2025-01-31' }) date!: string;
  @ApiProperty({ nullable: true, type: Number }) total_views!: number | null;
  @ApiProperty({ nullable: true, type: Number }) total_contact_clicks!: number | null;
  @ApiProperty({ nullable: true, type: Number }) total_visitors!: number | null;
}

export class OccupancyView {
  @ApiProperty({ nullable: true, type: Number }) avg_occupancy_rate!: number | null;
  @ApiProperty({ nullable: true, type: Number }) min_occupancy_rate!: number | null;
  @ApiProperty({ nullable: true, type: Number }) max_occupancy_rate!: number | null;
}

/** The seed's two aggregate queries: daily totals (newest first) and occupancy over the range. */
export class CustomerAggregateView {
  @ApiProperty({ format: 'uuid' }) customer_id!: string;
  @ApiProperty() start_date!: string;
  @ApiProperty() end_date!: string;
  @ApiProperty({ type: [DailyTotalsView] }) daily!: DailyTotalsView[];
  @ApiProperty({ type: OccupancyView }) occupancy!: OccupancyView;
}
