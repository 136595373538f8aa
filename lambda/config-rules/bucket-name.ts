/**
 * S3 general purpose bucket naming rules: the function's SNAPSHOT_BUCKET and the stack's existingBucketName. The
 * problem reads after "it" (`... is not a valid bucket name: it must be 3 to 63 characters long`); undefined: valid.
 */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'must be 3 to 63 characters long';
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name))
    return 'may contain only lowercase letters, digits, dots and hyphens, and must begin and end with a letter or digit';
  if (name.includes('..')) return 'must not contain two adjacent dots';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return 'must not be formatted as an IP address';
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name) || /(-s3alias|--ol-s3|--x-s3|--table-s3|\.mrap)$/.test(name))
    return 'uses a prefix or suffix that S3 reserves';
  return undefined;
}
