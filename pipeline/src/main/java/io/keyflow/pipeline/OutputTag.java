package io.keyflow.pipeline;

/**
 * Names a side output of a process function, as Flink's {@code OutputTag}. Values emitted to it with
 * {@code ctx.output(tag, value)} are stored like results, under the tag's name as the stage: read
 * them with {@code GET /v1/pipelines/{p}/results?stage=<name>}.
 */
public record OutputTag<T>(String name) {

  public OutputTag {
    if (name == null || !StageSpec.NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("output tag '" + name + "' must match " + StageSpec.NAME.pattern());
    }
  }
}
