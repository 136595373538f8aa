/**
 * The parts of an error that are safe and useful in a log line or a manifest. SDK errors carry more
 * (S3's SignatureDoesNotMatch echoes the string to sign and the signature provided, InvalidAccessKeyId
 * the key id, `$response` the raw answer); none of that may reach a log.
 */
export interface ErrorDetails {
  name: string;
  message: string;
  httpStatusCode?: number;
  requestId?: string;
  attempts?: number;
  code?: string;
}

export function errorDetails(error: unknown): ErrorDetails {
  if (!(error instanceof Error)) return { name: 'Error', message: redact(String(error)) };
  const e = error as Error & { $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number }; code?: unknown };
  const details: ErrorDetails = { name: e.name || 'Error', message: redact(e.message || '') };
  if (e.$metadata?.httpStatusCode !== undefined) details.httpStatusCode = e.$metadata.httpStatusCode;
  if (e.$metadata?.requestId !== undefined) details.requestId = e.$metadata.requestId;
  if (e.$metadata?.attempts !== undefined) details.attempts = e.$metadata.attempts;
  if (typeof e.code === 'string') details.code = e.code;
  return details;
}

/** Scrubs anything shaped like SigV4 material from free text (an error message may quote a header). */
function redact(text: string): string {
  return text
    .replace(/(Signature=)[0-9a-f]{64}/gi, '$1<redacted>')
    .replace(/(Credential=)[A-Z0-9]{16,128}/g, '$1<redacted>')
    .replace(/\b(A(?:KIA|SIA))[A-Z0-9]{12,124}\b/g, '$1<redacted>')
    .replace(/(X-Amz-Security-Token[=:]\s*)[^\s&,"]+/gi, '$1<redacted>');
}
