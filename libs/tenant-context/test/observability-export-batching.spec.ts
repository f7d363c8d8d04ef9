import { exportBatching } from '../src/observability';

describe('exportBatching (the span export batches)', () => {
  it('sends small batches soon by default', () => {
    expect(exportBatching({})).toEqual({ scheduledDelayMillis: 200, maxExportBatchSize: 64 });
  });

  it("leaves each setting an OTEL_BSP_* variable names to the SDK's own env fallback", () => {
    expect(
      exportBatching({ OTEL_BSP_SCHEDULE_DELAY: '5000', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '512' }),
    ).toEqual({ scheduledDelayMillis: undefined, maxExportBatchSize: undefined });
  });
});
