import type { RunManifest } from '../snapshot/manifest';

/** Thrown by the handler after a run that did not export every collaboration, or did not deliver every status event, so Lambda counts an error. */
export class ExportFailedError extends Error {
  override readonly name = 'ExportFailedError';

  constructor(manifest: RunManifest, manifestKey: string) {
    super(failureMessage(manifest, manifestKey));
  }
}

function failureMessage(manifest: RunManifest, manifestKey: string): string {
  const failed = manifest.collaborations.filter((c) => c.status === 'failed');
  const undelivered = manifest.collaborations.reduce((n, c) => n + (c.status_events_failed ?? 0), 0);
  if (failed.length === 0 && undelivered > 0) {
    return `Every snapshot was written, but ${undelivered} status events could not be delivered (${manifest.reason}); manifest ${manifestKey}. A comparison with the previous snapshot that could not be made counts as 1. A rerun of the same scheduled time compares and sends them again, with the same event ids`;
  }
  const detail = failed
    .slice(0, 10)
    .map((c) => `${c.collaboration_id}: ${c.error?.name}: ${c.error?.message}`)
    .join('; ');
  return `${failed.length} of ${manifest.collaborations.length} collaborations failed (${manifest.reason}); manifest ${manifestKey}. ${detail}${failed.length > 10 ? '; ...' : ''}`;
}
