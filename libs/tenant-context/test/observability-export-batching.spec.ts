import { exportBatching } from '../src/observability';

describe('exportBatching (the span export batches)', () => {
  it('caps a batch at 64 spans by default', () => {
    expect(exportBatching({})).toEqual({ maxExportBatchSize: 64 });
  });

  it("leaves the cap OTEL_BSP_MAX_EXPORT_BATCH_SIZE names to the SDK's own env fallback", () => {
    expect(exportBatching({ OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '512' })).toEqual({
      maxExportBatchSize: undefined,
    });
  });
});
