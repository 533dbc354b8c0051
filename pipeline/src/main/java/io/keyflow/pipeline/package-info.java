/**
 * Keyflow's pipeline API: what a user writes a Java pipeline with, shaped like Flink's DataStream API.
 * Start at {@link io.keyflow.pipeline.Pipeline}; deploy with a {@link io.keyflow.pipeline.PipelineProvider};
 * test with {@link io.keyflow.pipeline.testkit.PipelineTestHarness}. Everything here is a contract
 * for users; how the engine runs it lives in {@code engine} and {@code internal}.
 */
package io.keyflow.pipeline;
