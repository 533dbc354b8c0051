/**
 * Keyflow's pipeline API: what a user writes a Java pipeline with, shaped like Flink's DataStream API.
 * Start at {@link io.keyflow.pipeline.Pipeline}; deploy with a {@link io.keyflow.pipeline.PipelineProvider};
 * test with {@link io.keyflow.pipeline.testkit.PipelineTestHarness}. Everything here is a contract
 * for users, and it depends on no other package of the module: a built {@link io.keyflow.pipeline.Pipeline}
 * is a list of {@link io.keyflow.pipeline.StageSpec}s that the engine compiles, and the rules for
 * names and storable state types ({@link io.keyflow.pipeline.StateCodec}) live here because users
 * meet them first. How the engine runs a pipeline lives in {@code engine}, {@code internal} and
 * {@code runner}.
 */
package io.keyflow.pipeline;
