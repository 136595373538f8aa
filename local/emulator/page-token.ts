/**
 * Opaque, tamper-evident pagination tokens.
 *
 * Every token contains `+`, `/` and `=`: it is standard base64 that starts with `+/+/` and always ends in `==`.
 * Real service tokens often carry these characters, and a client that forgets to percent-encode them in the
 * query string (or decodes `+` as a space) must fail loudly against the emulator rather than in production.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Where a walk stands, and the query the token was issued for. */
export interface PageCursor {
  /** The `collaborationId` of the request that received the token, or null when none was given. */
  collaborationId: string | null;
  /** The `configuredAudienceModelArn` of that request, or null. */
  configuredAudienceModelArn: string | null;
  /** Index of the first job of the next page, in the listing order. */
  offset: number;
  /** Zero-based number of the page this token asks for (the first page is 0 and needs no token). */
  page: number;
}

/** Three bytes that base64-encode to `+/+/`. */
const MARKER = Buffer.from([0xfb, 0xff, 0xbf]);
const MAC_LENGTH = 16;

export class PageTokenCodec {
  /** Per emulator instance, so a token from another instance (or a stale run) is rejected. */
  private readonly key = randomBytes(32);

  encode(cursor: PageCursor): string {
    const json = Buffer.from(JSON.stringify([cursor.collaborationId, cursor.configuredAudienceModelArn, cursor.offset, cursor.page]));
    // Pad the JSON with spaces (JSON.parse ignores them) so the byte count leaves a remainder of 1 mod 3: "==".
    const unpadded = MARKER.length + MAC_LENGTH + json.length;
    const padding = Buffer.alloc((4 - (unpadded % 3)) % 3, ' ');
    const payload = Buffer.concat([json, padding]);
    return Buffer.concat([MARKER, this.mac(payload), payload]).toString('base64');
  }

  /** The cursor of a token this instance issued, or undefined for anything else (garbled, foreign, truncated). */
  decode(token: string): PageCursor | undefined {
    const bytes = Buffer.from(token, 'base64');
    // Buffer.from skips characters outside the alphabet; re-encoding exposes them.
    if (bytes.toString('base64') !== token) return undefined;
    if (bytes.length < MARKER.length + MAC_LENGTH || !bytes.subarray(0, MARKER.length).equals(MARKER)) return undefined;
    const mac = bytes.subarray(MARKER.length, MARKER.length + MAC_LENGTH);
    const payload = bytes.subarray(MARKER.length + MAC_LENGTH);
    if (!timingSafeEqual(mac, this.mac(payload))) return undefined;
    const [collaborationId, configuredAudienceModelArn, offset, page] = JSON.parse(payload.toString()) as [
      string | null,
      string | null,
      number,
      number,
    ];
    return { collaborationId, configuredAudienceModelArn, offset, page };
  }

  private mac(payload: Buffer): Buffer {
    return createHmac('sha256', this.key).update(payload).digest().subarray(0, MAC_LENGTH);
  }
}
