package io.keyflow.node;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What a bearer token may do on the HTTP API: {@code write} changes pipelines, {@code read} looks. */
enum ApiScope {
  /** Ingest and watermarks: everything that changes a pipeline. */
  WRITE,
  /** Results, late records, state, pipelines, cluster (and metrics). */
  READ;

  /** The scope's name in config and token files. */
  String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The scope named {@code name} (case-insensitive); a clear error for anything else. */
  static ApiScope parse(String name) {
    for (ApiScope scope : values()) {
      if (scope.configName().equalsIgnoreCase(name.strip())) {
        return scope;
      }
    }
    throw new IllegalArgumentException("unknown scope '" + name.strip() + "' (known: "
        + Arrays.stream(values()).map(ApiScope::configName).collect(Collectors.joining(", ")) + ")");
  }
}
