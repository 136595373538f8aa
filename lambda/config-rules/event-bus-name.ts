/**
 * Where the status-change events go, and whether they are sent: the function's EVENT_BUS_NAME and STATUS_EVENTS, and
 * the stack's eventBusName and statusEvents, by the same rules. Each problem reads after the value or after "it";
 * undefined: valid.
 */
import { DEFAULTS } from '../commons/constants';

/** The account's default bus: what an unset EVENT_BUS_NAME means. */
export const DEFAULT_EVENT_BUS_NAME = DEFAULTS.EVENT_BUS_NAME;
/** A bus name, as PutEvents' EventBusName takes it: 1 to 256 letters, digits and `. - _ /`. */
export const EVENT_BUS_NAME_PATTERN = /^[/.\-_A-Za-z0-9]{1,256}$/;
/** A bus ARN: `arn:{partition}:events:{region}:{account}:event-bus/{name}`. */
export const EVENT_BUS_ARN_PATTERN = /^arn:aws[\w-]*:events:[a-z]{2}(-[a-z]+)+-\d{1,2}:\d{12}:event-bus\/[/.\-_A-Za-z0-9]{1,256}$/;

/** Whether the value is written as an ARN (valid or not): names never contain `:`. */
export function isEventBusArn(value: string): boolean {
  return value.startsWith('arn:');
}

/** EVENT_BUS_NAME: a bus name or a bus ARN. */
export function eventBusNameProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be the name or the ARN of an event bus';
  if (isEventBusArn(value)) {
    return EVENT_BUS_ARN_PATTERN.test(value)
      ? undefined
      : 'must be an event bus ARN such as arn:aws:events:eu-west-1:111122223333:event-bus/my-bus';
  }
  return EVENT_BUS_NAME_PATTERN.test(value)
    ? undefined
    : 'must be 1 to 256 letters, digits or the characters . - _ / (or an event bus ARN)';
}

/** STATUS_EVENTS: `on` or `off`, case-sensitive. */
export const STATUS_EVENTS_VALUES = ['on', 'off'] as const;

export function statusEventsProblem(value: unknown): string | undefined {
  return (STATUS_EVENTS_VALUES as readonly unknown[]).includes(value) ? undefined : `must be ${STATUS_EVENTS_VALUES.join(' or ')}`;
}
