/**
 * Where the engine's contract meets its implementation, for the modules that run pipelines: the
 * operator of a stage ({@link io.keyflow.pipeline.runner.Operators}) and pipelines declared in HOCON
 * ({@link io.keyflow.pipeline.runner.PipelineConfig}, with one package-private class per section).
 * It sits above both {@code engine} and {@code internal} so that neither has to know the other's
 * direction: API ← engine ← internal ← runner, with no edge back.
 */
package io.keyflow.pipeline.runner;
