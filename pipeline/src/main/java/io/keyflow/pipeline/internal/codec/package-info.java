/** The pieces of {@link io.keyflow.pipeline.engine.StateCodec}, and the canonical form of numbers. */
package io.keyflow.pipeline.internal.codec;
