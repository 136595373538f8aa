/**
 * The STS Query protocol's answers: XML in the 2011-06-15 namespace, laid out as AWS STS sends them (two-space
 * indentation, no XML declaration), with the request id in `ResponseMetadata` or, for errors, at the top level.
 */

export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';
export const STS_VERSION = '2011-06-15';

/** An element tree: text content, or child elements in order. */
export type XmlNode = string | Array<[name: string, content: XmlNode]>;

/** An STS answer before it is written. */
export interface StsResponse {
  status: number;
  body: string;
  /** The error code, for failures. */
  errorCode?: string;
}

/** An error STS answers with `<ErrorResponse>`: `Sender` faults are the caller's, `Receiver` faults the service's. */
export class StsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly type: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
    this.name = code;
  }
}

/** `<{action}Response><{action}Result>…</{action}Result><ResponseMetadata>…</ResponseMetadata></{action}Response>` */
export function resultXml(action: string, result: XmlNode, requestId: string): StsResponse {
  const body = render(`${action}Response`, [
    [`${action}Result`, result],
    ['ResponseMetadata', [['RequestId', requestId]]],
  ]);
  return { status: 200, body };
}

/** `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>` */
export function errorXml(error: StsError, requestId: string): StsResponse {
  const body = render('ErrorResponse', [
    [
      'Error',
      [
        ['Type', error.type],
        ['Code', error.code],
        ['Message', error.message],
      ],
    ],
    ['RequestId', requestId],
  ]);
  return { status: error.status, body, errorCode: error.code };
}

function render(root: string, children: XmlNode): string {
  return `<${root} xmlns="${STS_NAMESPACE}">\n${renderChildren(children, 1)}</${root}>\n`;
}

function renderChildren(node: XmlNode, depth: number): string {
  if (typeof node === 'string') return escapeXml(node);
  const indent = '  '.repeat(depth);
  return node
    .map(([name, content]) =>
      typeof content === 'string'
        ? `${indent}<${name}>${escapeXml(content)}</${name}>\n`
        : `${indent}<${name}>\n${renderChildren(content, depth + 1)}${indent}</${name}>\n`,
    )
    .join('');
}

/** Text content: messages quote the caller's values, which may hold `&` or `<`. Quotes need no escaping outside attributes. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
