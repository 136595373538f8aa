import { matchesEventPattern, type EventPattern } from '../../../local/eventbridge';
import { UnsupportedPatternError } from '../../../local/eventbridge/event-pattern';

/** The stack's rule, as the specification gives it. */
const FAILED_JOBS: EventPattern = {
  source: ['audience-jobs-exporter'],
  'detail-type': ['Audience Generation Job Status Change'],
  detail: { change: ['created', 'status_changed'], status: ['DELETE_FAILED', 'CREATE_FAILED'] },
};

function event(detail: Record<string, unknown>, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: '0',
    id: 'e1',
    'detail-type': 'Audience Generation Job Status Change',
    source: 'audience-jobs-exporter',
    account: '111122223333',
    time: '2026-11-28T09:00:00Z',
    region: 'us-east-1',
    resources: ['arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/1'],
    detail,
    ...overrides,
  };
}

describe('matchesEventPattern', () => {
  it('matches the failed-job rule: each listed value, every field (AND), nested detail keys', () => {
    expect(matchesEventPattern(FAILED_JOBS, event({ change: 'status_changed', status: 'DELETE_FAILED' }))).toBe(true);
    expect(matchesEventPattern(FAILED_JOBS, event({ change: 'created', status: 'CREATE_FAILED' }))).toBe(true);
    expect(matchesEventPattern(FAILED_JOBS, event({ change: 'removed', status: 'DELETE_FAILED' }))).toBe(false);
    expect(matchesEventPattern(FAILED_JOBS, event({ change: 'status_changed', status: 'ACTIVE' }))).toBe(false);
    expect(matchesEventPattern(FAILED_JOBS, event({ change: 'status_changed' }))).toBe(false);
    expect(matchesEventPattern(FAILED_JOBS, event({ change: 'created', status: 'DELETE_FAILED' }, { source: 'someone-else' }))).toBe(false);
    expect(matchesEventPattern(FAILED_JOBS, event({ change: 'created', status: 'DELETE_FAILED' }, { 'detail-type': 'Other' }))).toBe(false);
  });

  it('is exact: case and type matter', () => {
    expect(matchesEventPattern({ detail: { status: ['DELETE_FAILED'] } }, event({ status: 'delete_failed' }))).toBe(false);
    expect(matchesEventPattern({ detail: { n: [1] } }, event({ n: '1' }))).toBe(false);
    expect(matchesEventPattern({ detail: { n: [1] } }, event({ n: 1 }))).toBe(true);
    expect(matchesEventPattern({ detail: { v: [null] } }, event({ v: null }))).toBe(true);
    expect(matchesEventPattern({ detail: { v: [null] } }, event({}))).toBe(false);
  });

  it('an array in the event matches if any element does; an object value matches no list', () => {
    expect(matchesEventPattern({ resources: ['arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/1'] }, event({}))).toBe(
      true,
    );
    expect(matchesEventPattern({ detail: { status_details: ['x'] } }, event({ status_details: { status_code: 'x' } }))).toBe(false);
    expect(
      matchesEventPattern({ detail: { status_details: { status_code: ['x'] } } }, event({ status_details: { status_code: 'x' } })),
    ).toBe(true);
    expect(matchesEventPattern({ detail: { status_details: { status_code: ['x'] } } }, event({ status_details: null }))).toBe(false);
  });

  it('the common operators', () => {
    const e = event({ name: 'lookalike-0001', count: 5, status: 'ACTIVE' });
    expect(matchesEventPattern({ detail: { name: [{ prefix: 'lookalike-' }] } }, e)).toBe(true);
    expect(matchesEventPattern({ detail: { name: [{ suffix: '0002' }] } }, e)).toBe(false);
    expect(matchesEventPattern({ detail: { status: [{ 'anything-but': ['DELETE_FAILED'] }] } }, e)).toBe(true);
    expect(matchesEventPattern({ detail: { status: [{ 'anything-but': 'ACTIVE' }] } }, e)).toBe(false);
    expect(matchesEventPattern({ detail: { status: [{ 'equals-ignore-case': 'active' }] } }, e)).toBe(true);
    expect(matchesEventPattern({ detail: { count: [{ numeric: ['>', 1, '<=', 5] }] } }, e)).toBe(true);
    expect(matchesEventPattern({ detail: { gone: [{ exists: false }] } }, e)).toBe(true);
    expect(matchesEventPattern({ detail: { name: [{ exists: true }] } }, e)).toBe(true);
    expect(matchesEventPattern({ detail: { name: [{ exists: false }] } }, e)).toBe(false);
  });

  it('throws on what it does not evaluate, rather than guess', () => {
    expect(() => matchesEventPattern({ detail: { name: [{ wildcard: '*x' }] } }, event({ name: 'x' }))).toThrow(UnsupportedPatternError);
    expect(() => matchesEventPattern({ $or: [] }, event({}))).toThrow(UnsupportedPatternError);
  });
});
