/** Which AWS Regions a local endpoint accepts in a signature's credential scope. */

/**
 * The Regions a request may be scoped to: a list, or `'any'` for every syntactically valid Region name
 * (`us-east-1`, `eu-west-1`, `us-gov-west-1`, `cn-north-1`, …).
 */
export type AcceptedRegions = readonly string[] | 'any';

/** `<area>-<direction or qualifiers>-<number>`, as every AWS Region name is written. */
const REGION_NAME = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;

/** Whether `region` is written like an AWS Region name. */
export function isRegionName(region: string): boolean {
  return REGION_NAME.test(region);
}

export class RegionPolicy {
  private readonly listed: ReadonlySet<string> | undefined;

  /** Throws on a listed name that is not a Region name, so a typo fails at start rather than as a signature error. */
  constructor(accepted: AcceptedRegions) {
    if (accepted === 'any') return;
    for (const region of accepted) if (!isRegionName(region)) throw new RangeError(`not an AWS Region name: ${region}`);
    this.listed = new Set(accepted);
  }

  accepts(region: string): boolean {
    return this.listed ? this.listed.has(region) : isRegionName(region);
  }
}
