/**
 * Reading a Smithy JSON AST model (the form the AWS SDK sources publish). Only what the contract tests need:
 * shapes, members and traits. The model is read where it lies; it is never copied into the project.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

export interface SmithyMember {
  target: string;
  traits?: Record<string, unknown>;
}

export interface SmithyShape {
  type: string;
  members?: Record<string, SmithyMember>;
  /** List element. */
  member?: SmithyMember;
  /** Map key and value. */
  key?: SmithyMember;
  value?: SmithyMember;
  traits?: Record<string, unknown>;
  input?: { target: string };
  output?: { target: string };
  errors?: Array<{ target: string }>;
  version?: string;
}

export interface SmithyModel {
  smithy: string;
  shapes: Record<string, SmithyShape>;
}

/** Where the model is looked for: `CLEANROOMSML_MODEL_PATH`, else `../shared/aws-models/` beside the checkout. */
export function cleanRoomsMLModelPath(): string {
  return process.env.CLEANROOMSML_MODEL_PATH ?? path.resolve(__dirname, '../../../shared/aws-models/cleanroomsml.json');
}

export function loadModel(modelPath: string): SmithyModel | undefined {
  return existsSync(modelPath) ? (JSON.parse(readFileSync(modelPath, 'utf8')) as SmithyModel) : undefined;
}

/** Shapes of one namespace, addressed by short name (`UUID` for `com.amazonaws.cleanroomsml#UUID`). */
export class SmithyNamespace {
  constructor(
    readonly model: SmithyModel,
    readonly namespace: string,
  ) {}

  id(name: string): string {
    return `${this.namespace}#${name}`;
  }

  shape(name: string): SmithyShape {
    const shape = this.model.shapes[this.id(name)];
    if (!shape) throw new Error(`model has no shape ${this.id(name)}`);
    return shape;
  }

  trait<T>(name: string, trait: string): T {
    return this.shape(name).traits?.[trait] as T;
  }

  /** The single service shape of the model. */
  service(): [id: string, shape: SmithyShape] {
    const services = Object.entries(this.model.shapes).filter(([, shape]) => shape.type === 'service');
    if (services.length !== 1) throw new Error(`expected one service shape, found ${services.length}`);
    return services[0];
  }
}
