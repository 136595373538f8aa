/**
 * The EventBridge rules of the synthesized template (AWS::Events::Rule with an EventPattern), with their bus and
 * their targets' input, read as deployed (nothing retyped), and what each would do with the events a run sent:
 * which events its pattern matches (local/eventbridge/event-pattern.ts) and the message each target receives
 * (local/eventbridge/input-transformer.ts).
 */
import { DEFAULT_BUS } from '../eventbridge/event-bridge-emulator';
import { matchesEventPattern, type EventPattern } from '../eventbridge/event-pattern';
import { renderInputTransformer, type InputTransformer } from '../eventbridge/input-transformer';
import type { EventBridgeEvent } from '../eventbridge/types';
import { resolveValue, resourceName, type CfnTemplate, type TemplateContext } from '../lambda-runtime';

export interface TemplateRuleTarget {
  id: string;
  /** The target's ARN, as far as it resolves locally (e.g. the alarm topic's). */
  arn: string;
  /** What the target receives: the transformer, a constant input, a part of the event, or the whole event. */
  inputTransformer?: InputTransformer;
  input?: string;
  inputPath?: string;
}

export interface TemplateRule {
  logicalId: string;
  name: string;
  arn: string;
  /** The bus's name (`default` when the rule names none). */
  eventBusName: string;
  eventPattern: EventPattern;
  enabled: boolean;
  targets: TemplateRuleTarget[];
}

/** What one target of a rule receives for one event. */
export interface RuleDelivery {
  event: EventBridgeEvent;
  target: TemplateRuleTarget;
  /** The rendered message; a problem rendering it reads as `(could not render: …)`. */
  message: string;
}

/** Every rule of the template with an event pattern, in template order. */
export function eventRules(template: CfnTemplate, context: TemplateContext): TemplateRule[] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Events::Rule' && r.Properties?.EventPattern !== undefined)
    .map(([logicalId, r]) => {
      const props = resolveValue(r.Properties, template, context) as Record<string, unknown>;
      const name = resourceName(logicalId, template, context);
      const eventBusName = busName(props.EventBusName);
      const pattern =
        typeof props.EventPattern === 'string' ? (JSON.parse(props.EventPattern) as EventPattern) : (props.EventPattern as EventPattern);
      const ruleResource = eventBusName === DEFAULT_BUS ? name : `${eventBusName}/${name}`;
      return {
        logicalId,
        name,
        arn: `arn:aws:events:${context.region}:${context.accountId}:rule/${ruleResource}`,
        eventBusName,
        eventPattern: pattern,
        enabled: props.State === undefined || props.State === 'ENABLED',
        targets: ((props.Targets as Record<string, unknown>[] | undefined) ?? []).map((t) => ({
          id: String(t.Id),
          arn: String(t.Arn),
          ...(t.InputTransformer ? { inputTransformer: t.InputTransformer as InputTransformer } : {}),
          ...(typeof t.Input === 'string' ? { input: t.Input } : {}),
          ...(typeof t.InputPath === 'string' ? { inputPath: t.InputPath } : {}),
        })),
      };
    });
}

/** The events of `busName` the rule matches (none if it is on another bus or disabled). */
export function matchingEvents(
  rule: TemplateRule,
  events: readonly { eventBusName: string; event: EventBridgeEvent }[],
): EventBridgeEvent[] {
  if (!rule.enabled) return [];
  return events.filter((e) => e.eventBusName === rule.eventBusName && matchesEventPattern(rule.eventPattern, e.event)).map((e) => e.event);
}

/** What each target of the rule receives for each of these (matching) events. */
export function deliveries(rule: TemplateRule, events: readonly EventBridgeEvent[]): RuleDelivery[] {
  return events.flatMap((event) => rule.targets.map((target) => ({ event, target, message: render(rule, target, event) })));
}

function render(rule: TemplateRule, target: TemplateRuleTarget, event: EventBridgeEvent): string {
  try {
    if (target.inputTransformer) {
      return renderInputTransformer(target.inputTransformer, event as unknown as Record<string, unknown>, {
        ruleArn: rule.arn,
        ruleName: rule.name,
        ingestionTime: event.time,
      });
    }
    if (target.input !== undefined) return target.input;
    if (target.inputPath !== undefined)
      return renderInputTransformer(
        { InputPathsMap: { v: target.inputPath }, InputTemplate: '{"v": <v>}' },
        event as unknown as Record<string, unknown>,
      ).replace(/^\{"v":(.*)\}$/, '$1');
    return JSON.stringify(event);
  } catch (error) {
    return `(could not render: ${error instanceof Error ? error.message : String(error)})`;
  }
}

/** A bus named by name or ARN, as the rule's EventBusName gives it. */
export function busName(value: unknown): string {
  if (typeof value !== 'string' || value === '') return DEFAULT_BUS;
  const arn = /:event-bus\/(.+)$/.exec(value);
  return arn ? arn[1] : value;
}
