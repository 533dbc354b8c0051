/**
 * The contract between a pipeline and the engine that runs it, not for users: the definition of a
 * pipeline's stages (compiled from the API's {@code Pipeline} by {@code PipelineDefinition.of}, or
 * read from HOCON), the signature its stored state depends on, and the deterministic operator core of
 * one stage in one key group with its serializable state ({@code StageState} and the windows,
 * accumulators and keyed state it holds) and numbered outputs. Depends only on the user API; the
 * operators behind {@code StageOperator} live in {@code internal} and are created by
 * {@code io.keyflow.pipeline.runner.Operators}. The persistence, sharding and node modules use these
 * types and {@code runner}; nothing else of the module's implementation is visible to them.
 */
package io.keyflow.pipeline.engine;
