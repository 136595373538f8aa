import {
  Annotations,
  CfnOutput,
  type DockerImageAssetLocation,
  Duration,
  type FileAssetLocation,
  type ISynthesisSession,
  Stack,
  type StackProps,
  StackSynthesizer,
  Validations,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { jobReadStatements } from './constructs/job-read-statements';
import { EXPORTER_ROLE_ARN_HINT, READER_ROLE_CONTEXT_KEYS, type ReaderRoleStackConfig } from './config';

/** The stack's construct id and default name. */
export const READER_ROLE_STACK_NAME = 'AudienceJobsReaderRole';
/** Longest session the exporter may open with the role: a run lasts at most the function timeout (10 minutes). */
export const READER_MAX_SESSION = Duration.hours(1);

/**
 * Synthesizes a template that needs nothing from a CDK bootstrap: no bootstrap version parameter or rule, no deploy
 * role (the CLI deploys it with its own credentials; StackSets with theirs), and no assets (refused). The default
 * synthesizer would add an SSM-backed BootstrapVersion parameter that fails in every account not bootstrapped, and
 * BootstraplessSynthesizer still names the bootstrap deploy role for the CLI.
 */
export class NoBootstrapSynthesizer extends StackSynthesizer {
  addFileAsset(): FileAssetLocation {
    throw new Error(`${READER_ROLE_STACK_NAME} must have no assets: it is deployed into accounts that are not bootstrapped`);
  }

  addDockerImageAsset(): DockerImageAssetLocation {
    throw new Error(`${READER_ROLE_STACK_NAME} must have no assets: it is deployed into accounts that are not bootstrapped`);
  }

  synthesize(session: ISynthesisSession): void {
    this.synthesizeTemplate(session);
    this.emitArtifact(session);
  }
}

export interface AudienceJobsReaderRoleStackProps extends StackProps {
  /** The validated configuration (see parseReaderRoleConfig in lib/config.ts). */
  readonly config: ReaderRoleStackConfig;
}

/**
 * The reader role of one member account: the exporter (AudienceJobsExporter, usually in another account) assumes it to
 * list the account's audience generation jobs, in any Region. Deploy it in every account a source names, in one
 * Region per account (IAM is global: a second Region would collide on the role name), e.g. with a service-managed
 * StackSet over an organizational unit:
 *
 *   npx cdk synth AudienceJobsReaderRole -c exporterRoleArn=<ExporterRoleArn output> [-c externalId=<id>]
 *
 * then create the StackSet from `cdk.out/AudienceJobsReaderRole.template.json`.
 *
 * The role has the same name in every account (context `readerRoleName`, default AudienceJobsReader), so each source's
 * roleArn differs only by its account. It may do exactly two things, ListAudienceGenerationJobs and
 * GetAudienceGenerationJob; it trusts exactly the exporter's role, with the external id when one is given.
 *
 * The template needs no CDK bootstrap (no assets, no bootstrap version check): StackSets deploy it into accounts that
 * were never bootstrapped.
 */
export class AudienceJobsReaderRoleStack extends Stack {
  /** The reader role. */
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: AudienceJobsReaderRoleStackProps) {
    super(scope, id, { ...props, synthesizer: props.synthesizer ?? new NoBootstrapSynthesizer() });
    const { config } = props;

    // Without exporterRoleArn, a placeholder: this account's root as principal (always valid, so the template
    // deploys), and a Deny of sts:AssumeRole to every principal, so that no one can use the role.
    const principal = config.exporterRoleArn !== undefined ? new iam.ArnPrincipal(config.exporterRoleArn) : new iam.AccountRootPrincipal();

    this.role = new iam.Role(this, 'Role', {
      roleName: config.roleName,
      description: 'Lets the Clean Rooms ML audience jobs exporter list the audience generation jobs of this account',
      assumedBy: principal,
      externalIds: config.externalId !== undefined ? [config.externalId] : undefined,
      maxSessionDuration: READER_MAX_SESSION,
      inlinePolicies: {
        // Any Region: a source names it, and IAM is global.
        ReadAudienceGenerationJobs: new iam.PolicyDocument({ statements: jobReadStatements(this, ['*']) }),
      },
    });

    if (config.exporterRoleArn === undefined) {
      this.role.assumeRolePolicy!.addStatements(
        new iam.PolicyStatement({
          sid: 'PlaceholderTrustsNoOne',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['sts:AssumeRole'],
        }),
      );
      Annotations.of(this).addWarningV2(
        'audience-jobs-exporter:placeholder-exporter-role',
        `${READER_ROLE_CONTEXT_KEYS.EXPORTER_ROLE_ARN} is not set: the role ${config.roleName} trusts no one (sts:AssumeRole is denied to every principal). To deploy, ${EXPORTER_ROLE_ARN_HINT}.`,
      );
    }

    Validations.of(this.role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'cleanrooms-ml:ListAudienceGenerationJobs has no resource type in the Service Authorization Reference: IAM accepts only "*" for it. It is the only action on "*".',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cleanrooms-ml:*:*:audience-generation-job/*]',
        reason:
          'GetAudienceGenerationJob is called for the jobs the List call returned (CREATE_FAILED/DELETE_FAILED ones), whose ids are only known at run time, in whichever Region a source of the exporter names (IAM roles are global), and a collaboration may show jobs of other member accounts. Scoped to the audience-generation-job type and this one read action.',
      },
    );

    new CfnOutput(this, 'ReaderRoleArn', {
      description: 'The roleArn of the sources that read this account',
      value: this.role.roleArn,
    });
  }
}
