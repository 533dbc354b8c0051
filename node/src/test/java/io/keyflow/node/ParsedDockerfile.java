package io.keyflow.node;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The instructions of a Dockerfile's last stage (the image that runs), read as far as
 * DockerFilesAgreeWithConfigTest needs: COPY, EXPOSE, USER and an exec-form ENTRYPOINT.
 */
record ParsedDockerfile(List<Instruction> finalStage) {

  record Instruction(String keyword, String arguments) {}

  /** A COPY: its sources and destination (flags such as --from are dropped). */
  record Copy(List<String> sources, String destination) {}

  static ParsedDockerfile read(Path file) throws IOException {
    List<Instruction> all = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : Files.readAllLines(file)) {
      String trimmed = line.strip();
      if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.isEmpty())) {
        continue;
      }
      if (trimmed.endsWith("\\")) {
        current.append(trimmed, 0, trimmed.length() - 1).append(' ');
        continue;
      }
      current.append(trimmed);
      String[] parts = current.toString().strip().split("\\s+", 2);
      all.add(new Instruction(parts[0].toUpperCase(), parts.length > 1 ? parts[1].strip() : ""));
      current.setLength(0);
    }
    int lastFrom = -1;
    for (int i = 0; i < all.size(); i++) {
      if (all.get(i).keyword().equals("FROM")) {
        lastFrom = i;
      }
    }
    if (lastFrom < 0) {
      throw new IllegalArgumentException(file + ": no FROM");
    }
    return new ParsedDockerfile(List.copyOf(all.subList(lastFrom + 1, all.size())));
  }

  private List<String> arguments(String keyword) {
    return finalStage.stream().filter(i -> i.keyword().equals(keyword)).map(Instruction::arguments).toList();
  }

  List<Copy> copies() {
    return arguments("COPY").stream().map(args -> {
      List<String> tokens = Arrays.stream(args.split("\\s+")).filter(t -> !t.startsWith("--")).toList();
      return new Copy(tokens.subList(0, tokens.size() - 1), tokens.get(tokens.size() - 1));
    }).toList();
  }

  /** The destination of the COPY whose only source is {@code source}, or an error naming it. */
  String destinationOf(String source) {
    return copies().stream().filter(c -> c.sources().equals(List.of(source))).map(Copy::destination).findFirst()
        .orElseThrow(() -> new AssertionError("the image's final stage does not COPY " + source + "; it copies " + copies()));
  }

  List<Integer> exposedPorts() {
    return arguments("EXPOSE").stream().flatMap(args -> Arrays.stream(args.split("\\s+")))
        .map(port -> Integer.parseInt(port.replaceFirst("/tcp$", ""))).toList();
  }

  /** The last USER of the final stage, or "root" (Docker's default) if none. */
  String user() {
    List<String> users = arguments("USER");
    return users.isEmpty() ? "root" : users.get(users.size() - 1);
  }

  /** The exec-form (JSON array) ENTRYPOINT; a shell-form one is an error. */
  List<String> entrypoint() throws IOException {
    List<String> entrypoints = arguments("ENTRYPOINT");
    if (entrypoints.size() != 1 || !entrypoints.get(0).startsWith("[")) {
      throw new AssertionError("expected one exec-form ENTRYPOINT [\"java\", ...] in the final stage, found " + entrypoints);
    }
    return new ObjectMapper().readValue(entrypoints.get(0), new TypeReference<List<String>>() {});
  }
}
