import {
  AdminAuthenticator,
  generateApiKey,
  parseAdminTokens,
  parseApiKey,
  secretMatches,
} from '../src';

describe('API keys', () => {
  it('round-trips: a generated key parses and its secret matches only its own hash', () => {
    const { key, prefix, hash } = generateApiKey();
    const parsed = parseApiKey(key);
    expect(parsed?.prefix).toBe(prefix);
    expect(secretMatches(parsed!.secret, hash)).toBe(true);
    expect(secretMatches(`${parsed!.secret}x`, hash)).toBe(false);
    expect(secretMatches(parsed!.secret, generateApiKey().hash)).toBe(false);
  });

  it.each(['tb_', 'tb_short_x', 'sk_live_abc', `tb_ABCDEFGH_${'a'.repeat(30)}`])(
    'rejects malformed key %p',
    (key) => {
      expect(parseApiKey(key)).toBeUndefined();
    },
  );
});

describe('admin tokens', () => {
  it('parses id:secret[:service] lists and authenticates by secret', () => {
    const tokens = parseAdminTokens('ops:0123456789abcdef0123,sync:fedcba98765432100000:service');
    expect(tokens.map((token) => [token.id, token.kind])).toEqual([
      ['ops', 'admin'],
      ['sync', 'service'],
    ]);
    const admins = new AdminAuthenticator(tokens);
    expect(admins.authenticate('fedcba98765432100000')).toEqual({
      kind: 'service',
      id: 'sync',
      role: 'admin',
    });
    expect(admins.authenticate('wrong')).toBeUndefined();
    expect(admins.authenticate(undefined)).toBeUndefined();
  });

  it('refuses short secrets at boot', () => {
    expect(() => parseAdminTokens('ops:short')).toThrow(/16\+ characters/);
  });
});
