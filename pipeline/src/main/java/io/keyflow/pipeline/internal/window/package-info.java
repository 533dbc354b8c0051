/** The window operator: assigning records to windows, their contents per window function, firing. */
package io.keyflow.pipeline.internal.window;
