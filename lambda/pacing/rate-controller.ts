/**
 * Rate control for ONE Clean Rooms ML operation: from the outcomes of its attempts, the request rate to allow.
 *
 * Why not the SDK's adaptive retry strategy: it keeps one limiter per client, so a throttled
 * GetAudienceGenerationJob slows the ListAudienceGenerationJobs chain down too; and every 429 cuts its rate
 * multiplicatively (down to 0.5 requests/s, recovering slowly) whether or not the throttling depends on our rate.
 * When someone else uses the quota and every job's first Get is throttled once, sending slower does not throttle
 * less, it only sends slower: a run of 690 jobs took 455 s that way instead of about 1 s.
 *
 * What this controller does instead (one per operation, so that operations never slow each other down):
 * - Starts unlimited: most runs are never throttled. (The pacer probes the start of a busy period: a few attempts,
 *   then none until they are back; lambda/pacing/operation-pacer.ts.)
 * - At the start of a busy period, before there is a window to measure, the first 429 after first attempts succeeded
 *   may be a quota's burst spent. No attempt starts (`pausedUntil`) until those in flight have come back (a round
 *   trip; a window at most), and that batch is judged. A wall of 429s (at least two, and 75 % of the batch) is a
 *   spent burst: the rate comes down at once to 0.9 x the first attempts the start accepted over the elapsed time,
 *   but at least a window, and later measurements leave the burst out (a burst is not a rate). That rate counts the
 *   burst as a rate, so it is often too high: its evaluation ends after a window once it has seen two 429s, and the
 *   next decrease measures the successes since the wall up to the last of them (with the bucket empty they come at
 *   its refill rate; a span that runs on past them reads low when they are few). Anything else lets the attempts
 *   go on, and two batches at most are judged. A storm never looks like a wall: throttling that does not
 *   depend on our rate comes between successes, or from the very first attempt on, when nothing has been accepted to
 *   aim at (a retry's success is no burst: when every first attempt is throttled, only retries succeed).
 * - Otherwise, on a 429, decreases at most once per window (1 s) to what the server actually accepted: successes
 *   over the trailing window (up to 4 windows for slow operations), or over a whole clean window since the last
 *   decrease if that is more, times 0.9. Not a blind halving: a token-bucket quota goes on accepting its refill rate
 *   however hard it is pushed, and that is the rate to send at. The 0.5/s floor is only a safety net. It does not
 *   decrease before the operation has been busy for a window (nothing to measure yet: at a start where every first
 *   attempt is throttled, no retry has had time to succeed), nor when a busy window saw no success at all (an
 *   outage, or a quota someone else uses up: slower would not help), in which case it holds, as below, the rate from
 *   before the decreases of the episode that did not lower the throttle ratio.
 * - Each decrease is evaluated over the next window, once the attempts that were in flight have come back (their
 *   429s neither count nor decrease again). Throttling that responds to our rate falls; throttling that does not
 *   keeps its ratio. When a decrease leaves the ratio at 0.75x or more of the one before it, the throttling is
 *   non-responsive: the rate from before the decreases that did not help is restored and held for 10 s with no
 *   decrease (the per-request retry backoff copes with those 429s); then it probes again. The ratio before the first
 *   decrease of a series is an onset measurement (one 429 among the successes a burst let through, a start where
 *   every first attempt failed, or a judged start-up batch), so the verdict needs a second decrease in a row, whose "before" is the first one's
 *   evaluation, or a first decrease right after a hold, whose "before" is the ratio measured during the hold. An
 *   evaluation with fewer than two 429s or under 5 % counts as clean.
 * - Recovery is CUBIC-like: the accepted rate at the last decrease is the ceiling estimate. After k clean windows
 *   the rate is ceiling x (1 + 0.05 k^2): just above the ceiling at first, faster the longer no 429 is seen (30/s
 *   back to 100/s in about 8 s), and unlimited again from 4x the ceiling. A growth window is 1 s, or the time 4
 *   requests take at the ceiling when that is longer (at most 4 s), so that slow operations probe per request.
 * Under token-bucket quotas from 1/s to 100/s the simulated steady state runs at 80 to 100 % of the quota with 1 to
 * 10 % of attempts throttled (test/lambda/pacing/rate-controller.test.ts); runs shaped as the benchmark's W5 and W6
 * are simulated in test/lambda/pacing/start-up.test.ts.
 */

export type AttemptOutcome = 'success' | 'throttled' | 'error';

export interface RateControllerOptions {
  /** Clock in milliseconds. Default `performance.now()`. */
  now?: () => number;
  /** Measurement window and the least time between two decreases, ms. Default 1,000. */
  windowMs?: number;
  /** A decrease sends at this fraction of the accepted rate. Default 0.9. */
  decreaseFactor?: number;
  /** Safety-net floor of a decrease, requests/s. Default 0.5. */
  minRate?: number;
  /** A decrease whose following throttle ratio stays at this fraction of the previous one or more did not help. Default 0.75. */
  nonResponsiveRatio?: number;
  /** How long a restored rate is held without decreases after non-responsive throttling, ms. Default 10,000. */
  holdMs?: number;
  /** Growth after k clean windows: ceiling x (1 + growth k^2). Default 0.05. */
  growth?: number;
  /** Unlimited again once growth reaches this multiple of the ceiling. Default 4. */
  unlimitedFactor?: number;
  /** Outcomes an evaluation (and a trailing measurement) wants before concluding early. Default 8. */
  minSamples?: number;
  /** An evaluation concludes after this many windows whatever it has seen. Default 4. */
  maxEvaluationWindows?: number;
  /** A growth window lasts at least as long as this many requests take at the ceiling. Default 4. */
  requestsPerGrowthWindow?: number;
  /**
   * The start-up rule (see the top of this file): a judged batch is a wall when at least this many of its outcomes,
   * and `onsetWallRatio` of them, are 429s. Default 2.
   */
  onsetThrottles?: number;
  /** Share of 429s in a judged batch that makes a wall. Default 0.75. */
  onsetWallRatio?: number;
  /** Batches judged at most at the start of a busy period; 0 turns the start-up rule off. Default 2. */
  onsetJudgements?: number;
  /** Told of every decision; for logs. */
  onEvent?: (event: RateEvent) => void;
}

export const RATE_CONTROLLER_DEFAULTS = {
  windowMs: 1_000,
  decreaseFactor: 0.9,
  minRate: 0.5,
  nonResponsiveRatio: 0.75,
  holdMs: 10_000,
  growth: 0.05,
  unlimitedFactor: 4,
  minSamples: 8,
  maxEvaluationWindows: 4,
  requestsPerGrowthWindow: 4,
  onsetThrottles: 2,
  onsetWallRatio: 0.75,
  onsetJudgements: 2,
} as const;

/**
 * `unlimited`: no pacing. `paced`: at `rate`, growing while no 429 is seen. `evaluating`: a decrease is being
 * judged; the rate stays put. `holding`: non-responsive throttling; the rate stays put and 429s do not decrease it.
 */
export type RatePhase = 'unlimited' | 'paced' | 'evaluating' | 'holding';

export interface RateEvent {
  /** `decrease` with `onset: true`: the start-up decrease, at a wall of 429s before a window of measurement. */
  type: 'decrease' | 'responsive' | 'non-responsive' | 'hold-end' | 'unlimited';
  /** Clock time of the decision, ms. */
  at: number;
  /** Rate before the decision, requests/s (Infinity: unlimited). */
  from: number;
  /** Rate after it. */
  to: number;
  /** `decrease`: accepted rate it is based on; other types: undefined. */
  acceptedRate?: number;
  /** `decrease`: trailing throttle ratio; `responsive` / `non-responsive`: the ratio the evaluation measured. */
  throttleRatio?: number;
  /** `decrease`: true for a start-up decrease (see `onsetThrottles`). */
  onset?: boolean;
}

export interface RateControllerState {
  /** Allowed rate, requests/s; Infinity when unlimited. */
  readonly rate: number;
  readonly phase: RatePhase;
  /** Accepted rate at the last decrease (the estimate of the quota), requests/s. */
  readonly ceiling: number | undefined;
  /** Decreases made, those later undone by a hold included. */
  readonly decreases: number;
  /** Times throttling was found non-responsive and a rate restored and held. */
  readonly holds: number;
  /** Clock time the current hold ends, ms. */
  readonly holdUntil: number | undefined;
  /** Attempts started (`onAttemptStart`) and not yet recorded. */
  readonly inFlight: number;
  readonly successes: number;
  readonly throttles: number;
  readonly errors: number;
}

/** Below this throttle ratio (or with fewer than two 429s) an evaluation counts as clean. */
const MIN_THROTTLE_RATIO = 0.05;

const SUCCESS = 0;
const THROTTLED = 1;
const ERROR = 2;
type Kind = typeof SUCCESS | typeof THROTTLED | typeof ERROR;

interface Counts {
  successes: number;
  throttled: number;
  total: number;
  /** Length of the span counted, ms. */
  spanMs: number;
}

/** Outcomes of the last few windows, oldest first. */
class OutcomeLog {
  private times: number[] = [];
  private kinds: Kind[] = [];
  private head = 0;

  constructor(private readonly retentionMs: number) {}

  push(at: number, kind: Kind): void {
    this.times.push(at);
    this.kinds.push(kind);
    const horizon = at - this.retentionMs;
    while (this.head < this.times.length && this.times[this.head] < horizon) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.kinds = this.kinds.slice(this.head);
      this.head = 0;
    }
  }

  /** Outcomes recorded after `since`. */
  countSince(since: number): Omit<Counts, 'spanMs'> {
    let successes = 0;
    let throttled = 0;
    let total = 0;
    for (let i = this.times.length - 1; i >= this.head && this.times[i] > since; i--) {
      total++;
      if (this.kinds[i] === SUCCESS) successes++;
      else if (this.kinds[i] === THROTTLED) throttled++;
    }
    return { successes, throttled, total };
  }
}

/** A decrease of an episode (decreases in a row, each after an evaluation that still saw 429s). */
interface Step {
  rateBefore: number;
  ceilingBefore: number | undefined;
  /** Throttle ratio before this decrease: trailing for the first step, the previous evaluation's for the others. */
  ratioBefore: number;
  /** False for the first step of an episode unless it follows a hold: an onset ratio, too low. */
  ratioBeforeTrusted: boolean;
  ratioAfter?: number;
}

interface Evaluation {
  startedAt: number;
  /** Outcomes still expected from attempts in flight at the decrease; not counted. */
  drainLeft: number;
  /** When counting began (the in-flight attempts drained). */
  countingSince: number | undefined;
  total: number;
  throttled: number;
  /** Of a start-up decrease. */
  onset: boolean;
}

interface Hold {
  until: number;
  total: number;
  throttled: number;
}

export class RateController {
  private readonly now: () => number;
  private readonly windowMs: number;
  private readonly decreaseFactor: number;
  private readonly minRate: number;
  private readonly nonResponsiveRatio: number;
  private readonly holdMs: number;
  private readonly growth: number;
  private readonly unlimitedFactor: number;
  private readonly minSamples: number;
  private readonly maxEvaluationMs: number;
  private readonly requestsPerGrowthWindow: number;
  private readonly onsetThrottles: number;
  private readonly onsetWallRatio: number;
  private readonly onsetJudgements: number;
  private readonly onEvent: ((event: RateEvent) => void) | undefined;

  private readonly log: OutcomeLog;
  /** Rate from `epoch` on, before growth; Infinity when unlimited. */
  private base = Infinity;
  private ceiling: number | undefined;
  /** Start of the clean windows that growth counts. */
  private epoch = 0;
  private lastDecreaseAt = -Infinity;
  /** Best success rate of a clean growth window (no 429) since the last decrease, requests/s. */
  private sustained = 0;
  /** The growth window being counted: its index from `epoch`, successes and 429s. */
  private window = { epoch: NaN, index: -1, successes: 0, throttled: 0 };
  private evaluation: Evaluation | undefined;
  private episode: { steps: Step[]; lastEvaluatedAt: number } | undefined;
  private hold: Hold | undefined;
  /** The last hold: when it ended and the throttle ratio measured during it (undefined with too few outcomes). */
  private lastHold: { endedAt: number; ratio: number | undefined } | undefined;
  private inFlight = 0;
  private activeSince: number | undefined;
  private lastActivityAt = -Infinity;
  /**
   * The start of a busy period as the start-up rule sees it: `armed` while unlimited and before a window of
   * measurement; the first attempts that succeeded; the batch being judged, if any (no attempt starts meanwhile).
   */
  private onset = newOnset(false);
  /** Measurements (trailing windows) never reach back before this: the onset decrease, before which a burst was spent. */
  private measureSince = -Infinity;
  /** Clock time of the last success recorded. */
  private lastSuccessAt = -Infinity;
  private decreases = 0;
  private holds = 0;
  private successes = 0;
  private throttles = 0;
  private errors = 0;

  constructor(options: RateControllerOptions = {}) {
    const o = { ...RATE_CONTROLLER_DEFAULTS, ...withoutUndefined(options) };
    this.now = options.now ?? (() => performance.now());
    this.windowMs = positive('windowMs', o.windowMs);
    this.decreaseFactor = o.decreaseFactor;
    if (!(this.decreaseFactor > 0 && this.decreaseFactor < 1))
      throw new RangeError(`decreaseFactor must be in (0, 1), got ${o.decreaseFactor}`);
    this.minRate = positive('minRate', o.minRate);
    this.nonResponsiveRatio = positive('nonResponsiveRatio', o.nonResponsiveRatio);
    this.holdMs = positive('holdMs', o.holdMs);
    this.growth = positive('growth', o.growth);
    this.unlimitedFactor = o.unlimitedFactor;
    if (!(this.unlimitedFactor > 1)) throw new RangeError(`unlimitedFactor must be above 1, got ${o.unlimitedFactor}`);
    this.minSamples = positive('minSamples', o.minSamples);
    this.maxEvaluationMs = positive('maxEvaluationWindows', o.maxEvaluationWindows) * this.windowMs;
    this.requestsPerGrowthWindow = positive('requestsPerGrowthWindow', o.requestsPerGrowthWindow);
    this.onsetThrottles = positive('onsetThrottles', o.onsetThrottles);
    this.onsetWallRatio = positive('onsetWallRatio', o.onsetWallRatio);
    this.onsetJudgements = o.onsetJudgements;
    if (!(Number.isInteger(this.onsetJudgements) && this.onsetJudgements >= 0))
      throw new RangeError(`onsetJudgements must be a whole number, got ${o.onsetJudgements}`);
    this.onEvent = options.onEvent;
    this.log = new OutcomeLog(4 * this.windowMs);
  }

  /** The allowed rate now, requests/s; Infinity when unlimited. */
  rate(): number {
    const now = this.now();
    this.advance(now);
    return this.currentRate(now);
  }

  /** An attempt starts (the pacer calls this when it lets one go). Lets the controller tell in-flight 429s apart. */
  onAttemptStart(): void {
    const now = this.now();
    this.advance(now);
    this.touch(now);
    this.inFlight++;
  }

  /**
   * An attempt ended: a 2xx, a 429 (THROTTLING), or anything else. `attempt`: its number within its request, from 1;
   * default 1.
   */
  record(outcome: AttemptOutcome, attempt = 1): void {
    const now = this.now();
    this.advance(now);
    const kind: Kind = outcome === 'success' ? SUCCESS : outcome === 'throttled' ? THROTTLED : ERROR;
    if (kind === SUCCESS) {
      this.successes++;
      this.lastSuccessAt = now;
    } else if (kind === THROTTLED) this.throttles++;
    else this.errors++;
    this.touch(now);
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.log.push(now, kind);
    this.countGrowthWindow(now, kind);
    // While a start-up batch is judged, its outcomes are the judgement's.
    if (this.onset.armed && (this.watchOnset(now, kind, attempt) || this.onset.judging)) return;

    if (this.hold) {
      this.hold.total++;
      if (kind === THROTTLED) this.hold.throttled++;
      return;
    }
    const evaluation = this.evaluation;
    if (evaluation) {
      if (evaluation.drainLeft > 0 && now - evaluation.startedAt < this.windowMs) {
        evaluation.drainLeft--;
        return;
      }
      evaluation.drainLeft = 0;
      evaluation.countingSince ??= now;
      evaluation.total++;
      if (kind === THROTTLED) evaluation.throttled++;
      this.maybeConclude(now);
      if (this.evaluation || this.hold) return;
    }
    if (kind === THROTTLED) this.maybeDecrease(now);
  }

  get state(): RateControllerState {
    const now = this.now();
    this.advance(now);
    const rate = this.currentRate(now);
    return {
      rate,
      phase: this.hold ? 'holding' : this.evaluation ? 'evaluating' : rate === Infinity ? 'unlimited' : 'paced',
      ceiling: this.ceiling,
      decreases: this.decreases,
      holds: this.holds,
      holdUntil: this.hold?.until,
      inFlight: this.inFlight,
      successes: this.successes,
      throttles: this.throttles,
      errors: this.errors,
    };
  }

  private touch(now: number): void {
    const rate = this.currentRate(now);
    const idleGap = Math.max(this.windowMs, rate === Infinity ? 0 : 2_000 / rate);
    if (this.activeSince === undefined || (this.inFlight === 0 && now - this.lastActivityAt > idleGap)) {
      this.activeSince = now;
      this.onset = newOnset(this.base === Infinity && !this.hold && !this.evaluation);
    }
    this.lastActivityAt = now;
  }

  /** Ends holds and evaluations whose time is up, and goes unlimited once growth is far above the ceiling. */
  private advance(now: number): void {
    if (this.hold && now >= this.hold.until) {
      const { until, total, throttled } = this.hold;
      this.hold = undefined;
      this.lastHold = { endedAt: until, ratio: total >= this.minSamples ? throttled / total : undefined };
      this.epoch = until;
      if (this.base !== Infinity) this.ceiling = this.base;
      this.emit({ type: 'hold-end', at: now, from: this.base, to: this.base });
    }
    if (this.evaluation) this.maybeConclude(now);
    if (!this.hold && !this.evaluation && this.base !== Infinity && this.ceiling !== undefined) {
      const rate = this.currentRate(now);
      if (rate >= this.unlimitedFactor * this.ceiling) {
        this.base = Infinity;
        this.episode = undefined;
        this.emit({ type: 'unlimited', at: now, from: rate, to: Infinity });
      }
    }
  }

  private currentRate(now: number): number {
    if (this.hold || this.evaluation || this.base === Infinity || this.ceiling === undefined) return this.base;
    const k = Math.floor((now - this.epoch) / this.growthWindowMs());
    if (k <= 0) return this.base;
    return Math.max(this.base, this.ceiling * (1 + this.growth * k * k));
  }

  /** Keeps `sustained`: the success rate of every growth window that saw no 429, once it is over. */
  private countGrowthWindow(now: number, kind: Kind): void {
    if (this.hold || this.evaluation || this.base === Infinity) return;
    const windowMs = this.growthWindowMs();
    const index = Math.floor((now - this.epoch) / windowMs);
    const window = this.window;
    if (window.epoch !== this.epoch || index !== window.index) {
      if (window.epoch === this.epoch && index === window.index + 1 && window.throttled === 0) {
        this.sustained = Math.max(this.sustained, window.successes / (windowMs / 1_000));
      }
      this.window = { epoch: this.epoch, index, successes: 0, throttled: 0 };
    }
    if (kind === SUCCESS) this.window.successes++;
    else if (kind === THROTTLED) this.window.throttled++;
  }

  private growthWindowMs(): number {
    const ceiling = this.ceiling ?? Infinity;
    return Math.min(4 * this.windowMs, Math.max(this.windowMs, (this.requestsPerGrowthWindow / ceiling) * 1_000));
  }

  /**
   * Outcomes over the trailing window, or over up to 4 windows when one holds fewer than `minSamples` (slow
   * operations), never reaching back before the operation became busy.
   */
  private trailing(now: number): Counts {
    const since = Math.max(this.activeSince ?? -Infinity, this.measureSince);
    const busyFor = since === -Infinity ? this.windowMs : Math.max(this.windowMs, now - since);
    let counts: Counts = { successes: 0, throttled: 0, total: 0, spanMs: this.windowMs };
    for (const windows of [1, 2, 4]) {
      const spanMs = Math.min(windows * this.windowMs, busyFor);
      counts = { ...this.log.countSince(now - spanMs), spanMs };
      if (counts.total >= this.minSamples || spanMs >= busyFor) break;
    }
    return counts;
  }

  private maybeDecrease(now: number): void {
    if (this.hold || this.evaluation) return;
    if (now - this.lastDecreaseAt < this.windowMs) return;
    if (this.activeSince === undefined || now - this.activeSince < this.windowMs) return;
    const before = this.currentRate(now);
    const counts = this.trailing(now);
    if (counts.successes === 0 && this.sustained === 0) {
      // The server accepted nothing while we were busy for a window: an outage, or a quota someone else uses up.
      // No rate of ours would be accepted, so there is nothing to aim a decrease at: hold instead, at the rate from
      // before the decreases of this episode that did not lower the throttle ratio (the outage's first 429s).
      const steps = this.episode !== undefined && now - this.episode.lastEvaluatedAt <= 2 * this.windowMs ? this.episode.steps : [];
      let from = steps.length;
      while (
        from > 0 &&
        steps[from - 1].ratioAfter !== undefined &&
        !(steps[from - 1].ratioAfter! < this.nonResponsiveRatio * steps[from - 1].ratioBefore)
      )
        from--;
      if (from < steps.length) this.ceiling = steps[from].ceilingBefore;
      this.startHold(now, from < steps.length ? steps[from].rateBefore : before, counts.total > 0 ? counts.throttled / counts.total : 1);
      return;
    }
    // What the server accepted: over the trailing window, or what it accepted over a whole clean window since the
    // last decrease when that is more (a probe just above a small-burst quota wastes refills and reads low).
    let accepted = Math.max(counts.successes / (counts.spanMs / 1_000), this.sustained);
    if (now - counts.spanMs <= this.measureSince && counts.successes >= 2) {
      // Since the start-up decrease, with its bucket empty: successes come at the refill rate, and a span that runs
      // on past the last of them reads low when they are few. Up to the last success instead.
      accepted = Math.max(accepted, counts.successes / ((this.lastSuccessAt - this.measureSince) / 1_000));
    }
    const target = Math.max(this.minRate, this.decreaseFactor * Math.min(accepted, before));
    if (!(target < before)) return; // At the floor already: the retry backoff copes.
    const trailingRatio = counts.total > 0 ? counts.throttled / counts.total : 0;

    const continuing = this.episode !== undefined && now - this.episode.lastEvaluatedAt <= 2 * this.windowMs;
    if (!continuing) this.episode = { steps: [], lastEvaluatedAt: now };
    const steps = this.episode!.steps;
    const previous = steps.at(-1);
    const afterHold = this.lastHold?.ratio !== undefined && now - this.lastHold.endedAt <= this.windowMs;
    steps.push({
      rateBefore: before,
      ceilingBefore: this.ceiling,
      ratioBefore: previous?.ratioAfter ?? (afterHold ? this.lastHold!.ratio! : trailingRatio),
      ratioBeforeTrusted: previous !== undefined || afterHold,
    });
    this.decrease(now, {
      from: before,
      to: target,
      ceiling: Math.max(target, Math.min(accepted, before)),
      acceptedRate: accepted,
      throttleRatio: trailingRatio,
    });
  }

  /**
   * The start-up rule: while unlimited and before a window of measurement, a 429 after first attempts succeeded
   * may be a quota's burst spent. No attempt starts until the attempts in flight have come back (a round trip; a
   * window at most), and that batch is judged: a wall of 429s (`onsetWallRatio` of it and at least `onsetThrottles`)
   * is a burst spent, and the rate comes down at once to what the start accepted; anything else (a storm throttles
   * between successes, or from the first attempt on, before anything was accepted) lets the attempts go on.
   * Returns true when it decreased.
   */
  private watchOnset(now: number, kind: Kind, attempt: number): boolean {
    const onset = this.onset;
    if (!onset.judging && (this.base !== Infinity || this.hold || this.evaluation || now - this.activeSince! >= this.windowMs)) {
      onset.armed = false;
      return false;
    }
    // A retry's success is no burst: in a storm that throttles every first attempt, only retries succeed.
    if (kind === SUCCESS && attempt <= 1) onset.successes++;
    const judging = onset.judging;
    if (judging) {
      if (kind === SUCCESS) judging.successes++;
      else if (kind === THROTTLED) judging.throttled++;
      if (--judging.left > 0 && now < judging.until) return false;
      return this.judgeOnset(now);
    }
    if (kind !== THROTTLED || onset.successes === 0) return false;
    if (onset.judged >= this.onsetJudgements) {
      onset.armed = false;
      return false;
    }
    onset.judged++;
    onset.judging = { left: this.inFlight, until: now + this.windowMs, successes: 0, throttled: 1 };
    return this.inFlight === 0 ? this.judgeOnset(now) : false;
  }

  /** The judged batch is complete (or a window has passed): a wall decreases at once; anything else goes on. */
  private judgeOnset(now: number): boolean {
    const onset = this.onset;
    const { successes, throttled } = onset.judging!;
    onset.judging = undefined;
    const wall = throttled >= this.onsetThrottles && throttled >= this.onsetWallRatio * (successes + throttled);
    if (!wall) {
      if (onset.judged >= this.onsetJudgements) onset.armed = false;
      return false;
    }
    onset.armed = false;
    // What the start accepted (the burst and what refilled meanwhile), over the elapsed time but at least a window.
    const accepted = onset.successes / (Math.max(this.windowMs, now - this.activeSince!) / 1_000);
    const target = Math.max(this.minRate, this.decreaseFactor * accepted);
    const ratio = throttled / (successes + throttled);
    this.episode = {
      steps: [{ rateBefore: Infinity, ceilingBefore: this.ceiling, ratioBefore: ratio, ratioBeforeTrusted: false }],
      lastEvaluatedAt: now,
    };
    // A burst is not a rate: measurements from now on leave it out, and the ceiling estimate is the new rate itself.
    this.measureSince = now;
    this.decrease(now, { from: Infinity, to: target, ceiling: target, acceptedRate: accepted, throttleRatio: ratio, onset: true });
    return true;
  }

  /** No attempt may start before this clock time (a start-up batch being judged); -Infinity when none. */
  pausedUntil(): number {
    const judging = this.onset.judging;
    if (!judging) return -Infinity;
    const now = this.now();
    if (now < judging.until) return judging.until;
    this.judgeOnset(now);
    return -Infinity;
  }

  /** Sends at `to` from now on, and evaluates that over the next window. */
  private decrease(
    now: number,
    d: { from: number; to: number; ceiling: number; acceptedRate: number; throttleRatio: number; onset?: boolean },
  ): void {
    this.base = d.to;
    this.ceiling = d.ceiling;
    this.epoch = now;
    this.lastDecreaseAt = now;
    this.sustained = 0;
    this.decreases++;
    this.evaluation = {
      startedAt: now,
      drainLeft: this.inFlight,
      countingSince: undefined,
      total: 0,
      throttled: 0,
      onset: d.onset === true,
    };
    this.emit({
      type: 'decrease',
      at: now,
      from: d.from,
      to: d.to,
      acceptedRate: d.acceptedRate,
      throttleRatio: d.throttleRatio,
      ...(d.onset ? { onset: true } : {}),
    });
  }

  private maybeConclude(now: number): void {
    const evaluation = this.evaluation!;
    if (evaluation.countingSince === undefined) {
      if (now - evaluation.startedAt < this.windowMs + this.maxEvaluationMs) return;
    } else {
      const counted = now - evaluation.countingSince;
      // A start-up decrease still seeing 429s after a window aimed too high (a burst is not a rate): no need to wait
      // for more outcomes to know it.
      const stillThrottled = evaluation.onset && evaluation.throttled >= 2;
      const enough = counted >= this.windowMs && (evaluation.total >= this.minSamples || stillThrottled);
      if (!enough && counted < this.maxEvaluationMs) return;
    }
    this.evaluation = undefined;
    const ratio = evaluation.total > 0 ? evaluation.throttled / evaluation.total : 0;
    const episode = this.episode!;
    episode.lastEvaluatedAt = now;
    const steps = episode.steps;
    steps.at(-1)!.ratioAfter = ratio;

    // A stray 429 or two (an attempt that started just before the decrease, a jittery arrival) is no throttling.
    const throttled = evaluation.throttled >= 2 && ratio >= MIN_THROTTLE_RATIO;
    const restoreFrom = throttled ? this.nonResponsiveSince(steps, ratio) : undefined;
    if (restoreFrom === undefined) {
      // Responsive (or no 429 to speak of): keep the new rate; growth counts clean windows from here.
      this.epoch = now;
      if (!throttled) this.episode = undefined;
      this.emit({ type: 'responsive', at: now, from: this.base, to: this.base, throttleRatio: ratio });
      return;
    }
    const step = steps[restoreFrom];
    this.ceiling = step.ceilingBefore;
    this.startHold(now, step.rateBefore, ratio);
  }

  /** Non-responsive throttling: `rate` from now on, held for `holdMs` without decreases. */
  private startHold(now: number, rate: number, throttleRatio: number): void {
    const from = this.currentRate(now);
    this.base = rate;
    this.episode = undefined;
    this.evaluation = undefined;
    this.hold = { until: now + this.holdMs, total: 0, throttled: 0 };
    this.holds++;
    this.emit({ type: 'non-responsive', at: now, from, to: rate, throttleRatio });
  }

  /**
   * When the last decrease did not lower the throttle ratio, the index of the earliest decrease of the episode
   * from which on none did (the current ratio is within `nonResponsiveRatio` of every ratio since); else undefined.
   */
  private nonResponsiveSince(steps: readonly Step[], ratio: number): number | undefined {
    const last = steps.at(-1)!;
    if (!last.ratioBeforeTrusted || ratio < this.nonResponsiveRatio * last.ratioBefore) return undefined;
    let from = steps.length - 1;
    let highest = last.ratioBefore;
    for (let i = steps.length - 2; i >= 0; i--) {
      // An onset ratio does not hold the walk back: it is as likely too high (a start where every first attempt
      // failed before any retry could succeed) as too low (a token bucket's burst).
      if (steps[i].ratioBeforeTrusted) highest = Math.max(highest, steps[i].ratioBefore);
      if (ratio < this.nonResponsiveRatio * highest) break;
      from = i;
    }
    return from;
  }

  private emit(event: RateEvent): void {
    this.onEvent?.(event);
  }
}

interface Onset {
  armed: boolean;
  /** First attempts that succeeded since the busy period began. */
  successes: number;
  /** Batches judged so far. */
  judged: number;
  judging: { left: number; until: number; successes: number; throttled: number } | undefined;
}

function newOnset(armed: boolean): Onset {
  return { armed, successes: 0, judged: 0, judging: undefined };
}

function positive(name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}

function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
