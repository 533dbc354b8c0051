/**
 * The pipeline module's implementation behind {@code io.keyflow.pipeline.engine}: used only inside
 * this module (public only because Java needs it across packages; an ArchUnit test enforces that
 * no other module depends on it). {@code window}: the window operator and what a window holds;
 * {@code process}: the keyed process function operator and its keyed state; {@code codec}: the state
 * codec's pieces; {@code config}: the HOCON pipeline parser's sections.
 */
package io.keyflow.pipeline.internal;
