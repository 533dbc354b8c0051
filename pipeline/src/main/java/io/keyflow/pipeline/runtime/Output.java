package io.keyflow.pipeline.runtime;

import io.keyflow.pipeline.WindowResult;

/** A window result with its output sequence number within the key group (1, 2, 3, ...). */
public record Output(long seq, WindowResult result) {}
