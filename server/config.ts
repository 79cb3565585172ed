// Environment configuration, validated once at start: every bad value is reported, then the process exits.
export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  adminApiKey: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  validateResponses: boolean;
  /** Off only to measure what validation costs (`npm run bench`); never in production. */
  validateRequests: boolean;
  corsOrigins: string[] | '*' | null;
  bodyLimitBytes: number;
  pg: { poolSize: number; statementTimeoutMs: number; connectTimeoutMs: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}, got '${raw}'`);
      return fallback;
    }
    return n;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
    problems.push(`${name} must be true or false, got '${raw}'`);
    return fallback;
  };

  const databaseUrl = env.DATABASE_URL || 'sqlite:./data/access-profiles.db';
  if (!/^sqlite:.+/.test(databaseUrl) && !/^postgres(ql)?:\/\/.+/.test(databaseUrl)) {
    problems.push(`DATABASE_URL must be sqlite:<path>, sqlite::memory: or postgres://..., got '${databaseUrl}'`);
  }
  const adminApiKey = env.ADMIN_API_KEY || undefined;
  if (adminApiKey !== undefined && (adminApiKey.length < 16 || /\s/.test(adminApiKey))) {
    problems.push('ADMIN_API_KEY must be at least 16 characters without white space');
  }
  const logLevel = (env.LOG_LEVEL || 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);

  let corsOrigins: Config['corsOrigins'] = null;
  const rawCors = env.CORS_ORIGINS?.trim();
  if (rawCors === '*') corsOrigins = '*';
  else if (rawCors) {
    corsOrigins = rawCors.split(',').map((o) => o.trim()).filter(Boolean);
    for (const o of corsOrigins) if (!/^https?:\/\/[^/]+$/.test(o)) problems.push(`CORS_ORIGINS entries must be origins like https://app.example.com, got '${o}'`);
  }

  const config: Config = {
    port: int('PORT', 8080, 0, 65535),
    host: env.HOST || '0.0.0.0',
    databaseUrl,
    adminApiKey,
    logLevel,
    validateResponses: bool('VALIDATE_RESPONSES', true),
    validateRequests: bool('VALIDATE_REQUESTS', true),
    corsOrigins,
    bodyLimitBytes: int('BODY_LIMIT_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    pg: {
      poolSize: int('PG_POOL_SIZE', 10, 1, 200),
      statementTimeoutMs: int('PG_STATEMENT_TIMEOUT_MS', 15000, 100, 600000),
      connectTimeoutMs: int('PG_CONNECT_TIMEOUT_MS', 5000, 100, 120000),
    },
  };
  if (problems.length) throw new ConfigError(problems);
  return config;
}
