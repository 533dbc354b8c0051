package io.keyflow.sharding;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** What a request did: events applied now, and events its key groups had already applied. */
public record IngestResult(int accepted, int duplicates) {

  /** The sum of completed parts' results (every future must be done). */
  public static IngestResult sum(List<CompletableFuture<IngestResult>> parts) {
    int accepted = 0;
    int duplicates = 0;
    for (var part : parts) {
      accepted += part.join().accepted();
      duplicates += part.join().duplicates();
    }
    return new IngestResult(accepted, duplicates);
  }
}
