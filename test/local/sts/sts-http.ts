/** Signs and sends raw STS Query requests, for tests of the exact wire form (the SDK hides it). */
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { EmulatorCredentials } from '../../../local/emulator';
import type { StsEmulator } from '../../../local/sts';

export interface StsRawResponse {
  status: number;
  headers: Headers;
  body: string;
}

/** POSTs `params` form-encoded (Version 2011-06-15 unless given), signed for `service` (default `sts`) in `region` (default us-east-1). */
export async function sendSts(
  sts: StsEmulator,
  params: Record<string, string>,
  options: { credentials: EmulatorCredentials; region?: string; service?: string },
): Promise<StsRawResponse> {
  const url = new URL(sts.endpoint);
  const body = new URLSearchParams({ Version: '2011-06-15', ...params }).toString();
  const signer = new SignatureV4({
    service: options.service ?? 'sts',
    region: options.region ?? 'us-east-1',
    credentials: options.credentials,
    sha256: Sha256,
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body,
    }),
  );
  const response = await fetch(sts.endpoint, { method: 'POST', headers: signed.headers, body });
  return { status: response.status, headers: response.headers, body: await response.text() };
}
