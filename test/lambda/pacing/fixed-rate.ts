import type { PaceController } from '../../../lambda/pacing/operation-pacer';
import type { AttemptOutcome, RateControllerState } from '../../../lambda/pacing/rate-controller';

/** A controller whose rate the test sets. */
export class FixedRate implements PaceController {
  starts = 0;
  readonly outcomes: AttemptOutcome[] = [];
  constructor(public value: number) {}
  rate(): number {
    return this.value;
  }
  onAttemptStart(): void {
    this.starts++;
  }
  record(outcome: AttemptOutcome): void {
    this.outcomes.push(outcome);
  }
  get state(): RateControllerState {
    return {
      rate: this.value,
      phase: 'paced',
      ceiling: undefined,
      decreases: 0,
      holds: 0,
      holdUntil: undefined,
      inFlight: 0,
      successes: 0,
      throttles: 0,
      errors: 0,
    };
  }
}
