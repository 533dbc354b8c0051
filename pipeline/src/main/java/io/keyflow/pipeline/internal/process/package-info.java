/** The operator of a windowless stage: a keyed process function with its keyed state and timers. */
package io.keyflow.pipeline.internal.process;
