/**
 * The `message` of every log line the exporter writes. The messages are an interface: the dashboard's Logs Insights
 * query (lib/constructs/exporter-dashboard.ts), `npm start` (local/start/run-scenario.ts), the tests and operators'
 * own queries and metric filters match them exactly. Change one only together with what matches it; the fields of
 * each line are documented where it is written.
 */
export const LOG_MESSAGE = {
  /** INFO, once per run: scheduled time, sources, collaborations, bucket, prefix, concurrency. */
  EXPORT_STARTED: 'Export started',
  /** INFO when the run succeeded, else ERROR; once per run: status, reason, manifest key, totals, duration. */
  EXPORT_FINISHED: 'Export finished',
  /** ERROR: the configuration or the event is invalid; nothing was requested or written. */
  EXPORT_NOT_STARTED_BAD_INPUT: 'Export not started: bad configuration or event',
  /** ERROR: no usable AWS credentials; nothing was requested or written. */
  EXPORT_NOT_STARTED_NO_CREDENTIALS: 'Export not started: no usable AWS credentials',
  /** ERROR: the snapshots may be complete, but the run's manifest could not be written. */
  MANIFEST_WRITE_FAILED: 'Export failed: the manifest could not be written',
  /** ERROR, once: the function's own credentials were rejected; the run stops. */
  CREDENTIALS_REJECTED_RUN_STOPPED: 'Export stopped: the credentials were rejected; the remaining collaborations are not exported',
  /** ERROR, once per source: a source role's credentials were rejected; that source stops. */
  CREDENTIALS_REJECTED_SOURCE_STOPPED:
    'Export stopped: the credentials were rejected; the remaining collaborations of this source are not exported',
  /** ERROR: a source's role could not be assumed, or its account not identified; its collaborations all failed. */
  SOURCE_NOT_EXPORTED: 'Source not exported: it could not be opened; no object written for its collaborations',
  /** INFO, per listed collaboration: pages, jobs, bytes, duration, key. */
  COLLABORATION_EXPORTED: 'Collaboration exported',
  /** ERROR, per listed collaboration: the walk or the upload failed. */
  COLLABORATION_EXPORT_FAILED: 'Collaboration export failed; no object written',
  /** ERROR: the `*` walk of a source failed; none of its collaborations was written. */
  ALL_COLLABORATIONS_EXPORT_FAILED: 'Export of all collaborations failed; no object written',
  /** ERROR, per collaboration of a `*` walk: its upload failed. */
  SNAPSHOT_UPLOAD_FAILED: 'Snapshot upload failed; no object written',
  /** ERROR: a failed upload could not be aborted (the bucket's lifecycle rule removes the parts). */
  UPLOAD_ABORT_FAILED: 'Could not abort the snapshot upload',
  /** WARN: a status the model does not list; the job is exported with it. */
  UNKNOWN_JOB_STATUS: 'Job status outside the model enum; exported as-is',
  /** WARN: a job was deleted between the list and the get; exported without status details. */
  JOB_VANISHED: 'Job vanished between ListAudienceGenerationJobs and GetAudienceGenerationJob; exported without status details',
  /**
   * WARN, per succeeded collaboration with status events on: no earlier snapshot is recorded (its first snapshot, or a
   * pointer that has named every snapshot and none earlier than this run); no events for this snapshot. Fields:
   * collaboration, account, Region, pointer key, scheduled time, reason (`no_pointer`, `no_earlier_snapshot`), and for
   * a pointer S3 answered AccessDenied (a missing key, as the probe of the new snapshot showed), the error.
   */
  NO_PREVIOUS_SNAPSHOT: 'No previous snapshot to compare with; no status events for this snapshot',
  /** WARN, per succeeded collaboration: its state pointer is not a valid pointer; no events for this snapshot, the pointer starts afresh. */
  STATE_POINTER_UNREADABLE: 'State pointer unreadable; no status events for this snapshot',
  /** WARN, per succeeded collaboration: the previous snapshot object is not NDJSON snapshot lines; no events for this snapshot. */
  PREVIOUS_SNAPSHOT_UNREADABLE: 'Previous snapshot unreadable; no status events for this snapshot',
  /** WARN, per succeeded collaboration: the previous snapshot the pointer names no longer exists; no events for this snapshot. */
  PREVIOUS_SNAPSHOT_MISSING: 'Previous snapshot missing; no status events for this snapshot',
  /**
   * ERROR, per succeeded collaboration: the pointer or the previous snapshot could not be read (a transient failure, or
   * reads denied); no events sent, the pointer left alone, one event counted failed, so that the run fails and its retry
   * compares again. Fields: the pointer key, the previous key when known, reason (`pointer_read_failed`,
   * `previous_read_failed`, `reads_denied`), error.
   */
  STATUS_EVENTS_NOT_COMPARED: 'Status events not compared: the state pointer or the previous snapshot could not be read; the run fails',
  /**
   * ERROR, per succeeded collaboration: a rerun older than every snapshot the (truncated) pointer still names; its
   * previous snapshot is no longer known, so no events; the pointer is left alone and one event counts failed. Fields:
   * scheduled time, oldest kept scheduled time, pointer key.
   */
  PREVIOUS_SNAPSHOT_NOT_KEPT: 'Previous snapshot no longer named by the state pointer; no status events for this snapshot, the run fails',
  /**
   * ERROR, per collaboration: some status events could not be delivered (sent, failed, error codes counted). The
   * snapshot stands; the run fails so that its retry sends them again, with the same event ids.
   */
  STATUS_EVENTS_NOT_DELIVERED: 'Status events not delivered; the run fails so that its retry sends them again',
  /** ERROR, per collaboration: the state pointer could not be advanced; the next run compares with an older snapshot. */
  STATE_POINTER_WRITE_FAILED: 'State pointer not advanced; the next run compares with an older snapshot',
  /**
   * WARN, per `*` source with status events on: it has no collaboration index yet (its first such run; or S3 answered
   * AccessDenied and the probe showed a missing key, then with the error); nothing is unlisted this run. Fields:
   * account, Region, role, index key, scheduled time, `written` (false only after an AccessDenied when this walk wrote
   * no snapshot to probe with: the index is then left alone).
   */
  COLLABORATION_INDEX_MISSING: 'No collaboration index for this * source yet; no collaboration is unlisted this run',
  /** WARN, per `*` source: the collaboration index is not a valid index; it is written afresh, the ids it held are lost. */
  COLLABORATION_INDEX_UNREADABLE: 'Collaboration index unreadable; it is written afresh from this walk',
  /**
   * ERROR, per `*` source: the collaboration index could not be read (reason `index_read_failed`: 5xx, throttling, a
   * timeout; or `reads_denied`); the collaborations no longer listed get their empty snapshot and `removed` events with
   * the next run that reads it. The index is left alone; the run does not fail for it.
   */
  COLLABORATION_INDEX_NOT_READ: 'Collaboration index not read; collaborations no longer listed are exported by the next run that reads it',
  /** ERROR, per `*` source: the collaboration index could not be written; the next run reads the previous one. */
  COLLABORATION_INDEX_WRITE_FAILED: 'Collaboration index not written; the next run reads the previous one',
  /**
   * INFO, per collaboration the collaboration index names that the `*` walk no longer listed: exported with no jobs
   * (its jobs come out `removed`). Fields: collaboration, account, Region, last seen, key, status events sent and failed.
   */
  UNLISTED_COLLABORATION_EXPORTED: 'Collaboration no longer listed by the * walk; exported with no jobs',
} as const;
