/**
 * cfn-lint over both synthesized templates (AudienceJobsExporter and AudienceJobsReaderRole), in the configurations
 * the app supports: no error at all; a warning only if it is listed below with the reason it is accepted.
 *
 * cfn-lint is on PATH on this project's machine image and in CI. Where it is not installed, the test says so loudly
 * and passes without claiming a result; in CI (`CI` set) a missing cfn-lint fails the test, since CI must run it
 * (test/support/tool-on-path.ts, shared with the moto_server checks of test/support/s3-backends.ts).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { AudienceJobsExporterStack, STACK_NAME } from '../../lib/audience-jobs-exporter-stack';
import { AudienceJobsReaderRoleStack, READER_ROLE_STACK_NAME } from '../../lib/audience-jobs-reader-role-stack';
import { parseReaderRoleConfig, parseStackConfig } from '../../lib/config';
import { describeToolAbsent, findTool } from '../support/tool-on-path';

const ROOT = path.resolve(__dirname, '..', '..');
const CDK_JSON_CONTEXT = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')).context as Record<string, unknown>;
/** The Regions cfn-lint checks the resource types and properties against. */
const LINT_REGIONS = ['us-east-1', 'eu-west-1'];

/**
 * Warnings accepted, by rule id and where: anything else (and any error) fails.
 * W3005 ("obsolete DependsOn"): NodejsFunction makes the function depend on its role (CDK adds a DependsOn on the role
 * and its default policy to every Function), and the role is also referenced by Fn::GetAtt. The duplicate is
 * harmless, and the explicit DependsOn on ExporterPolicy (which has no reference) is what the exporter needs.
 */
const ACCEPTED_WARNINGS: readonly { rule: string; template: string; path: RegExp }[] = [
  { rule: 'W3005', template: STACK_NAME, path: /^Resources\/ExporterFunction[0-9A-F]{8}\/DependsOn\/\d+$/ },
];

interface LintMatch {
  Level: 'Error' | 'Warning' | 'Informational';
  Rule: { Id: string };
  Message: string;
  Filename: string;
  Location: { Path: (string | number)[] };
}

const CFN_LINT = findTool('cfn-lint', ['--version']);

const configurations: Array<[string, Record<string, unknown>]> = [
  ['no context (placeholders)', {}],
  [
    'sources with roles and an external id; a trusted reader role',
    {
      sources: [
        {
          region: 'eu-west-1',
          roleArn: 'arn:aws:iam::444455556666:role/AudienceJobsReader',
          externalId: 'exporter-7f3a',
          collaborationIds: '*',
        },
        { region: 'us-east-1', collaborationIds: ['3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01'] },
      ],
      alarmEmail: 'ops@example.com',
      exporterRoleArn: 'arn:aws:iam::111122223333:role/AudienceJobsExporter-ExporterRole9B408E7C-AbCdEf123456',
      externalId: 'exporter-7f3a',
    },
  ],
  [
    '* with an existing bucket, weekday cron, a named event bus',
    {
      collaborationIds: '*',
      existingBucketName: 'existing-snapshots',
      schedule: 'cron(0 6 ? * MON-FRI *)',
      scheduleTimeZone: 'Europe/Paris',
      eventBusName: 'audience-jobs',
    },
  ],
  ['status events off', { collaborationIds: '*', statusEvents: 'off' }],
];

/** Both templates of one configuration, written as the CLI writes them (bundling skipped: cfn-lint reads templates). */
function synthTemplates(context: Record<string, unknown>, outdir: string): string[] {
  process.env.CDK_DOCKER = '/nonexistent/docker-must-not-be-used';
  const app = new App({ outdir, context: { ...CDK_JSON_CONTEXT, ...context, 'aws:cdk:bundling-stacks': [] } });
  const get = (key: string) => app.node.tryGetContext(key);
  new AudienceJobsExporterStack(app, STACK_NAME, { config: parseStackConfig(get) });
  new AudienceJobsReaderRoleStack(app, READER_ROLE_STACK_NAME, { config: parseReaderRoleConfig(get) });
  const assembly = app.synth();
  return [STACK_NAME, READER_ROLE_STACK_NAME].map((name) => path.join(assembly.directory, assembly.getStackArtifact(name).templateFile));
}

function accepted(match: LintMatch): boolean {
  const where = match.Location.Path.join('/');
  return (
    match.Level !== 'Error' &&
    ACCEPTED_WARNINGS.some(
      (w) => w.rule === match.Rule.Id && path.basename(match.Filename) === `${w.template}.template.json` && w.path.test(where),
    )
  );
}

if (CFN_LINT.available) {
  describe(`cfn-lint (${CFN_LINT.detail})`, () => {
    let outdir: string;
    const templatesOf = new Map<string, string[]>();
    let matches: LintMatch[];
    let canary: string;

    // One cfn-lint run over every template (its start-up dominates), then one assertion per configuration.
    beforeAll(() => {
      outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-lint-'));
      const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined); // placeholder warnings
      try {
        configurations.forEach(([name, context], i) => templatesOf.set(name, synthTemplates(context, path.join(outdir, `config-${i}`))));
      } finally {
        quiet.mockRestore();
      }
      // A canary with a known error, linted in the same run: proves that cfn-lint read and checked the files.
      canary = path.join(outdir, 'canary.template.json');
      fs.writeFileSync(
        canary,
        JSON.stringify({ Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { MessageRetentionPeriod: 'forever' } } } }),
      );
      const templates = [...[...templatesOf.values()].flat(), canary];
      const run = spawnSync('cfn-lint', ['--format', 'json', '--regions', ...LINT_REGIONS, '--', ...templates], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      // Exit status: a bit field (2 errors, 4 warnings, 8 informational); 1 (or a signal) is a crash.
      if (run.status === null || (run.status & 1) !== 0) {
        throw new Error(`cfn-lint did not run cleanly (status ${run.status}): ${run.stderr || run.error?.message}`);
      }
      matches = JSON.parse(run.stdout || '[]') as LintMatch[];
    }, 120_000);
    afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

    it.each(configurations)('%s: no error in either template, and only the accepted warnings', (name) => {
      const templates = templatesOf.get(name)!;
      expect(templates.map((t) => path.basename(t))).toEqual([`${STACK_NAME}.template.json`, `${READER_ROLE_STACK_NAME}.template.json`]);
      const mine = matches.filter((m) => templates.includes(path.resolve(m.Filename)));
      const describeMatch = (m: LintMatch) =>
        `${m.Level} ${m.Rule.Id} ${path.basename(m.Filename)} ${m.Location.Path.join('/')}: ${m.Message}`;
      expect(mine.filter((m) => !accepted(m)).map(describeMatch)).toEqual([]);
      expect(mine.filter((m) => m.Level === 'Error')).toEqual([]);
    });

    it('really lints: the canary template\'s error is reported (so that no finding means "linted, clean")', () => {
      const canaryErrors = matches.filter((m) => path.resolve(m.Filename) === canary && m.Level === 'Error');
      expect(canaryErrors.map((m) => m.Location.Path.join('/'))).toContain('Resources/Queue/Properties/MessageRetentionPeriod');
      expect(matches.every((m) => [...[...templatesOf.values()].flat(), canary].includes(path.resolve(m.Filename)))).toBe(true);
    });
  });
} else {
  describeToolAbsent(CFN_LINT, {
    notRun: `the lint of the synthesized templates (${configurations.length} configurations and the canary, test/lib/cfn-lint.test.ts)`,
    install: `cfn-lint (pip install cfn-lint)`,
  });
}
