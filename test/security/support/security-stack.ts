import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { readResponse, type HttpResult } from '@tenantbus/testing';
import { startStack, type ServiceName, type Stack } from '../../support/stack';
import { SecretLedger } from './secret-ledger';

export interface SentRequest {
  readonly method?: string;
  readonly path: string;
  /** The whole header set: nothing is added, so unauthenticated calls stay unauthenticated. */
  readonly headers?: Record<string, string>;
  /** An object or array is sent as JSON; a string or Buffer as it is. */
  readonly body?: unknown;
}

export type Answer<T = unknown> = HttpResult<T> & { readonly text: string };

export interface SecurityStack {
  readonly stack: Stack;
  readonly secrets: SecretLedger;
  readonly adminToken: string;
  /** Every answer of the run (status, headers, body), for the secret scan. */
  readonly answers: Answer[];
  send<T = Record<string, unknown>>(service: ServiceName, sent: SentRequest): Promise<Answer<T>>;
  admin<T = Record<string, unknown>>(
    service: ServiceName,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Answer<T>>;
  /** Stops the services (flushing their spans) and returns what to scan. */
  stopServices(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The three built services as processes at `trace` (or `debug`) log level, with a random admin token and
 * credentials key registered as secrets; every answer is kept so a test can prove no secret ever
 * left a service.
 */
export async function startSecurityStack(
  env: Partial<Record<ServiceName, Record<string, string>>> = {},
  logLevel: 'trace' | 'debug' = 'trace',
): Promise<SecurityStack> {
  const secrets = new SecretLedger();
  const adminToken = secrets.add('admin token', randomBytes(24).toString('base64url'));
  const credentialsKey = secrets.add('CREDENTIALS_KEYS key', randomBytes(32).toString('base64'));
  const shared = { LOG_LEVEL: logLevel, ADMIN_TOKENS: `sec:${adminToken}` };
  const stack = await startStack({
    'tenant-service': { ...shared, OUTBOX_POLL_MS: '50', ...env['tenant-service'] },
    'sync-service': {
      ...shared,
      CREDENTIALS_KEYS: secrets.add('CREDENTIALS_KEYS', `sec:${credentialsKey}`),
      ...env['sync-service'],
    },
    'usage-service': { ...shared, ...env['usage-service'] },
  });
  const answers: Answer[] = [];
  const send = async <T>(service: ServiceName, sent: SentRequest) => {
    const answer = await rawRequest<T>(stack.services[service].port, sent);
    answers.push(answer);
    return answer;
  };
  return {
    stack,
    secrets,
    adminToken,
    answers,
    send,
    admin: (service, method, path, body) =>
      send(service, { method, path, body, headers: { authorization: `Bearer ${adminToken}` } }),
    async stopServices() {
      await Promise.all(Object.values(stack.services).map((service) => service.stop()));
      // For a post-mortem of a failed run: every service's log, as it printed it.
      const dir = process.env.SECURITY_LOG_DIR;
      if (dir) {
        mkdirSync(dir, { recursive: true });
        for (const service of Object.values(stack.services))
          writeFileSync(join(dir, `${service.name}.log`), service.output());
      }
    },
    stop: () => stack.stop(),
  };
}

/** node:http, because fetch will not send a forged `Host` or a body with a lying content type. */
export function rawRequest<T>(port: number, sent: SentRequest): Promise<Answer<T>> {
  const json =
    sent.body !== undefined && typeof sent.body !== 'string' && !Buffer.isBuffer(sent.body);
  const payload = json ? JSON.stringify(sent.body) : sent.body;
  const headers = { ...(json ? { 'content-type': 'application/json' } : {}), ...sent.headers };
  return new Promise((resolve, reject) => {
    const req = request(
      // A fresh connection each time: a reused keep-alive socket the server is just closing would
      // surface as a "socket hang up" that says nothing about the service.
      {
        host: '127.0.0.1',
        port,
        path: sent.path,
        method: sent.method ?? 'GET',
        headers,
        agent: false,
      },
      (res) => {
        readResponse<T>(res).then(resolve, reject);
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
