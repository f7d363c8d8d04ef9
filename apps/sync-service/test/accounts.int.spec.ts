import { createSyncWorld, startSyncService, type SyncService, type SyncWorld } from './sync-service.harness';

type Body = Record<string, unknown>;

describe('sync-service: accounts (real Postgres + NATS)', () => {
  let world: SyncWorld;
  let svc: SyncService;

  beforeAll(async () => {
    world = await createSyncWorld();
    svc = await startSyncService(world);
  });

  afterAll(async () => {
    await svc?.close();
    await world?.close();
  });

  it('creates an account in the seed shape', async () => {
    const tenant = await world.tenant();
    const res = await svc.call<Body>(tenant, 'POST', '/api/v1/accounts', {
      body: { account_id: '310316675', airbnb_cookie: 'secret-cookie', is_active: true },
    });
    expect(res.body).toEqual({});
  });
});
