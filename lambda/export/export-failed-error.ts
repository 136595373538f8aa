import type { RunManifest } from '../snapshot/manifest';

/** Thrown by the handler after a run that did not export every collaboration, so Lambda counts an error. */
export class ExportFailedError extends Error {
  override readonly name = 'ExportFailedError';

  constructor(manifest: RunManifest, manifestKey: string) {
    const failed = manifest.collaborations.filter((c) => c.status === 'failed');
    const detail = failed
      .slice(0, 10)
      .map((c) => `${c.collaboration_id}: ${c.error?.name}: ${c.error?.message}`)
      .join('; ');
    super(
      `${failed.length} of ${manifest.collaborations.length} collaborations failed (${manifest.reason}); manifest ${manifestKey}. ${detail}${failed.length > 10 ? '; ...' : ''}`,
    );
  }
}
