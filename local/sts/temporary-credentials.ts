/** Key material and ids shaped like the ones AWS STS issues, so clients that check prefixes or lengths are satisfied. */
import { createHash, randomBytes } from 'node:crypto';

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

/** AWS access key ids use upper-case letters and the digits 2 to 7. */
const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Fresh credentials: an `ASIA` key id (temporary credentials), a 40-character secret and an opaque token. */
export function issueTemporaryCredentials(): TemporaryCredentials {
  return {
    accessKeyId: `ASIA${keyCharacters(randomBytes(16))}`,
    // Standard base64, so secrets and tokens carry + / = as real ones do; clients must not mangle them.
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: randomBytes(180).toString('base64'),
  };
}

/** A role's unique id, `AROA` and 17 characters; stable per role ARN so assumed-role ids repeat across runs. */
export function roleIdOf(roleArn: string): string {
  return `AROA${keyCharacters(createHash('sha256').update(roleArn).digest()).slice(0, 17)}`;
}

function keyCharacters(bytes: Buffer): string {
  return [...bytes].map((byte) => KEY_ALPHABET[byte % KEY_ALPHABET.length]).join('');
}

/** `2024-03-01T09:00:00Z`: STS writes expirations to the second, without fractions. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
