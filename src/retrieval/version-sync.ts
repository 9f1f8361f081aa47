/**
 * Version sync between towers and index: a ServingBundle pairs a model with the index its pin
 * tower produced, and refuses any other pairing, at construction and again at every request.
 */
import type { AnnIndex } from './ann-index.js';
import type { ModelVersion, TwoTowerModel } from './model.js';

export class VersionMismatchError extends Error {
  constructor(model: ModelVersion, index: ModelVersion, where: string) {
    super(
      `retrieval version mismatch (${where}): user tower is ${model.name}@${model.version} but the index was built by ${index.name}@${index.version}`,
    );
    this.name = 'VersionMismatchError';
  }
}

/** Throws VersionMismatchError unless the model and index carry the same {name, version} and dim. */
export function assertSameVersion(model: TwoTowerModel, index: AnnIndex, where: string): void {
  const mv = model.versionInfo;
  const iv = index.meta;
  if (mv.name !== iv.name || mv.version !== iv.version) throw new VersionMismatchError(mv, iv, where);
  if (model.dim !== index.dim) throw new Error(`retrieval (${where}): model dim ${model.dim} != index dim ${index.dim}`);
}

/** An immutable model + index pair of one version. */
export class ServingBundle {
  readonly model: TwoTowerModel;
  readonly index: AnnIndex;
  /** external pin id per dense pin id, when the model's id space is not the identity */
  readonly pinIds: readonly string[] | undefined;

  constructor(model: TwoTowerModel, index: AnnIndex, pinIds?: readonly string[]) {
    assertSameVersion(model, index, 'bundle');
    this.model = model;
    this.index = index;
    this.pinIds = pinIds;
  }

  get version(): ModelVersion {
    return { name: this.index.meta.name, version: this.index.meta.version };
  }
}
