import { ApiProperty } from '@nestjs/swagger';

export class QuotaPeriodView {
  @ApiProperty({ example: '2026-11-01T00:00:00.000Z' }) start!: string;
  @ApiProperty({ example: '2026-12-01T00:00:00.000Z' }) end!: string;
}

export class QuotaStatusView {
  @ApiProperty() meter!: string;
  @ApiProperty() used!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'null: unlimited' })
  limit!: number | null;
  @ApiProperty({ nullable: true, type: Number }) remaining!: number | null;
  @ApiProperty({ type: QuotaPeriodView }) period!: QuotaPeriodView;
}
