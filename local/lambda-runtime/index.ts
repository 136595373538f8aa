/**
 * The one local Lambda runtime: the deployable stack (synthesized as `cdk synth` does, cached), the function's
 * environment from its template, one invocation of its bundle in a fresh Node.js process with what it cost, its EMF
 * metrics, and the template's alarms evaluated on them. `npm start`, the contract test and the benchmark run the
 * bundle through it.
 */
export { DEFAULT_CACHE_ROOT, PROJECT_ROOT, STACK_NAME, resourcesOfType, synthesizeDeployableStack } from './deployable-stack';
export type { CfnResource, CfnTemplate, DeployableStack, DeployableStackOptions } from './deployable-stack';
export { LOCAL_CONTEXT, functionSettings, lambdaEnvironment, localFunction } from './function-environment';
export type { FunctionSettings, LocalFunction, LocalTarget } from './function-environment';
export { importBundle, invokeHandler } from './invoke';
export type { BundleProcessOptions, HandlerOutcome, HandlerRun, ImportRun, InvokeOptions, Measurements, MemoryPeaks } from './invoke';
export { isEmfDocument, metricValues } from './emf';
export type { EmfDocument } from './emf';
export { alarmDimensions, evaluateAlarms, templateAlarms } from './alarms';
export type { AlarmProperties, AlarmVerdict, RunEvidence, Verdict } from './alarms';
export { resolveValue, resourceName } from './template-values';
export type { TemplateContext } from './template-values';
