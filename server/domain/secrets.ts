// Secrets (management keys, virtual keys): random values shown once, stored as SHA-256 hashes.
import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomToken(length: number): string {
  const bytes = randomBytes(length * 2);
  let out = '';
  for (let i = 0; i < bytes.length && out.length < length; i++) {
    const b = bytes[i]!;
    if (b < 248) out += ALPHABET[b % 62]; // 248 = 4 * 62: no modulo bias
  }
  return out.length === length ? out : out + randomToken(length - out.length);
}

export function hashSecret(value: string): string {
  return createHash('sha256').update(value).digest('hex'); // a string is hashed as UTF-8
}

export function newApiKeyValue(): { id: string; value: string; prefix: string } {
  const id = `key_${randomToken(12)}`;
  const value = `apk_${randomToken(40)}`;
  return { id, value, prefix: value.slice(0, 10) };
}

export function newVirtualKeyValue(): { id: string; value: string; prefix: string; masked: string } {
  const id = `vk_${randomToken(16)}`;
  const value = `sk-bf-${randomToken(40)}`;
  const prefix = value.slice(0, 12);
  return { id, value, prefix, masked: maskedValue(prefix) };
}

export function maskedValue(prefix: string): string {
  return `${prefix}…`;
}
