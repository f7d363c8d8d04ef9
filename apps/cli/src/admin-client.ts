/** Where the services are and the operator's credential; from flags or the environment. */
export interface Endpoints {
  readonly tenantService: string;
  readonly syncService: string;
  readonly usageService: string;
  readonly adminToken: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The admin REST APIs over fetch: admin bearer token, and `x-tenant-id` for tenant-scoped calls. */
export class AdminClient {
  constructor(private readonly endpoints: Endpoints) {}

  tenants<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.call(this.endpoints.tenantService, method, path, { body });
  }

  /** A tenant-scoped route of another service, called as the operator on behalf of `tenantId`. */
  asTenant<T>(service: 'syncService' | 'usageService', tenantId: string, path: string): Promise<T> {
    return this.call(this.endpoints[service], 'GET', path, { tenantId });
  }

  private async call<T>(
    base: string,
    method: string,
    path: string,
    options: { body?: unknown; tenantId?: string },
  ): Promise<T> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.endpoints.adminToken}`,
      accept: 'application/json',
    };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.tenantId) headers['x-tenant-id'] = options.tenantId;
    const response = await fetch(new URL(path, base), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    const payload: unknown = text ? JSON.parse(text) : undefined;
    if (!response.ok) {
      const error = (payload ?? {}) as { code?: string; message?: string };
      throw new ApiError(
        response.status,
        error.code ?? `HTTP_${response.status}`,
        error.message ?? response.statusText,
      );
    }
    return payload as T;
  }
}
