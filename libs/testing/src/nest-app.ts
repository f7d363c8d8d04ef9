import type { DynamicModule, INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A service's root module as an in-process app on a free local port. Nest's own logs stay quiet
 * unless `TEST_LOG_LEVEL` is set.
 */
export async function listenTestApp(
  root: DynamicModule,
): Promise<{ app: INestApplication; port: number }> {
  const moduleRef = await Test.createTestingModule({ imports: [root] }).compile();
  const app = moduleRef.createNestApplication({
    logger: process.env.TEST_LOG_LEVEL ? undefined : false,
  });
  await app.listen(0, '127.0.0.1');
  return { app, port: ((app.getHttpServer() as Server).address() as AddressInfo).port };
}
