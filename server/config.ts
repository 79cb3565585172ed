// Environment configuration, validated once at start: every bad value is reported, then the process exits.
import { maskUrl } from './startup-error.js';
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
  /** Slow clients: time to send the headers, and the whole request; both answer 408. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** Idle keep-alive connections close after this. */
  keepAliveTimeoutMs: number;
  /** Open connections at once; more are refused at accept. */
  maxConnections: number;
  /** Requests per key per window (0: off), and failed authentications per client address per window (0: off). */
  rateLimit: { perKey: number; authFailuresPerAddress: number; windowMs: number };
  /** Express `trust proxy`: which hops' X-Forwarded-For names the client (for logs and per-address limits). */
  trustProxy: boolean | number | string;
  pg: { poolSize: number; statementTimeoutMs: number; connectTimeoutMs: number; connectRetryMs: number };
  /** SIGTERM/SIGINT: how long in-flight requests may take to finish before they are cut (exit 1). */
  drainTimeoutMs: number;
  /** How often due virtual-key rotations are looked for (0: this instance never rotates). */
  rotationCheckMs: number;
  /** Prometheus metrics on their own listener; null when METRICS_PORT is unset. */
  metrics: { port: number; host: string } | null;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** TRUST_PROXY: unset or false (direct clients), true, a hop count, or addresses/subnets Express understands. */
function trustProxyOf(raw: string | undefined, problems: string[]): Config['trustProxy'] {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  if (/^[\w.:/,\s-]+$/.test(raw)) return raw;
  problems.push(`TRUST_PROXY must be true, false, a hop count or comma-separated addresses/subnets, got '${raw}'`);
  return false;
}

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
    problems.push(
      `DATABASE_URL must be sqlite:<path>, sqlite::memory: or postgres://..., got '${maskUrl(databaseUrl)}'`,
    );
  }
  const adminApiKey = env.ADMIN_API_KEY || undefined;
  if (adminApiKey !== undefined && (adminApiKey.length < 16 || /\s/.test(adminApiKey))) {
    problems.push('ADMIN_API_KEY must be at least 16 characters without white space');
  }
  const logLevel = (env.LOG_LEVEL || 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel))
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);

  let corsOrigins: Config['corsOrigins'] = null;
  const rawCors = env.CORS_ORIGINS?.trim();
  if (rawCors === '*') corsOrigins = '*';
  else if (rawCors) {
    corsOrigins = rawCors
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean);
    for (const o of corsOrigins)
      if (!/^https?:\/\/[^/]+$/.test(o))
        problems.push(`CORS_ORIGINS entries must be origins like https://app.example.com, got '${o}'`);
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
    headersTimeoutMs: int('HEADERS_TIMEOUT_MS', 10_000, 100, 600_000),
    requestTimeoutMs: int('REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000),
    maxConnections: int('MAX_CONNECTIONS', 1024, 1, 1_000_000),
    keepAliveTimeoutMs: int('KEEP_ALIVE_TIMEOUT_MS', 5000, 100, 600_000),
    rateLimit: {
      perKey: int('RATE_LIMIT_PER_KEY', 3000, 0, 10_000_000),
      authFailuresPerAddress: int('RATE_LIMIT_AUTH_FAILURES', 30, 0, 10_000_000),
      windowMs: int('RATE_LIMIT_WINDOW_MS', 60_000, 1000, 86_400_000),
    },
    trustProxy: trustProxyOf(env.TRUST_PROXY, problems),
    pg: {
      poolSize: int('PG_POOL_SIZE', 10, 1, 200),
      statementTimeoutMs: int('PG_STATEMENT_TIMEOUT_MS', 15000, 100, 600000),
      connectTimeoutMs: int('PG_CONNECT_TIMEOUT_MS', 5000, 100, 120000),
      connectRetryMs: int('PG_CONNECT_RETRY_MS', 30_000, 0, 3_600_000),
    },
    drainTimeoutMs: int('DRAIN_TIMEOUT_MS', 10_000, 0, 3_600_000),
    rotationCheckMs: int('ROTATION_CHECK_MS', 60_000, 0, 86_400_000),
    metrics: env.METRICS_PORT
      ? { port: int('METRICS_PORT', 9464, 0, 65535), host: env.METRICS_HOST || '127.0.0.1' }
      : null,
  };
  if (config.headersTimeoutMs > config.requestTimeoutMs)
    problems.push(
      `HEADERS_TIMEOUT_MS (${config.headersTimeoutMs}) must not exceed REQUEST_TIMEOUT_MS (${config.requestTimeoutMs})`,
    );
  if (problems.length) throw new ConfigError(problems);
  return config;
}
