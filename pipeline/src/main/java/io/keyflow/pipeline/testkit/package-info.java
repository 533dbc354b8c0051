/**
 * Testing pipelines without a cluster: {@link io.keyflow.pipeline.testkit.PipelineTestHarness} runs a
 * pipeline exactly as the engine does, with no actors, storage or clock.
 */
package io.keyflow.pipeline.testkit;
