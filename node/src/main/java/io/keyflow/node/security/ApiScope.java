package io.keyflow.node.security;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What a bearer token may do on the HTTP API: {@code write} changes pipelines, {@code read} looks. */
public enum ApiScope {
  /** Ingest and watermarks: everything that changes a pipeline. */
  WRITE,
  /** Results, late records, state, pipelines, cluster (and metrics). */
  READ;

  /** The scope's name in config and token files. */
  public String configName() {
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
