import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { SIGNING_NAME } from '../../lambda/cleanroomsml/model-constants';

/**
 * What reading audience generation jobs takes, and nothing more: ListAudienceGenerationJobs, and
 * GetAudienceGenerationJob on the jobs of any account in `regions` (`'*'`: any Region). Any account, because the jobs
 * listed in a collaboration may belong to another member's account.
 */
export function jobReadStatements(scope: Construct, regions: ReadonlyArray<string | undefined>): iam.PolicyStatement[] {
  const jobArn = (region: string | undefined) =>
    Stack.of(scope).formatArn({ service: SIGNING_NAME, region, account: '*', resource: 'audience-generation-job', resourceName: '*' });
  return [
    new iam.PolicyStatement({
      sid: 'ListAudienceGenerationJobs',
      actions: [`${SIGNING_NAME}:ListAudienceGenerationJobs`],
      // The action has no resource type: IAM accepts only "*" for it.
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'GetAudienceGenerationJob',
      actions: [`${SIGNING_NAME}:GetAudienceGenerationJob`],
      resources: regions.map(jobArn),
    }),
  ];
}
