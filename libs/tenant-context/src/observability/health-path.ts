/** `/health`, `/health/ready`, `/health?x` — but not `/healthcare`. */
export function isHealthPath(url: string | undefined): boolean {
  return url !== undefined && /^\/health(?:[/?#]|$)/.test(url);
}
