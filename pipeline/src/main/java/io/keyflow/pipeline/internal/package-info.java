/**
 * The pipeline module's implementation behind {@code io.keyflow.pipeline.engine}: used only inside
 * this module (public only because Java needs it across packages; an ArchUnit test enforces that
 * no other module depends on it). It depends on the engine and the user API, never the reverse;
 * {@code io.keyflow.pipeline.runner} is the only package that creates its operators.
 * {@code window}: the window operator and the contents of a window per window function;
 * {@code process}: the keyed process function operator and its state handles; this package: how
 * both treat what user code gives back.
 */
package io.keyflow.pipeline.internal;
