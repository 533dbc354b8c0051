/**
 * The contract between a pipeline and the engine that runs it, not for users: the definition of a
 * pipeline's stages (built from the API or from HOCON), the signature its stored state depends on,
 * and the deterministic operator core of one stage in one key group with its serializable state and
 * numbered outputs. The persistence, sharding and node modules use these types; nothing else of the
 * pipeline module's implementation is visible to them.
 */
package io.keyflow.pipeline.engine;
