package io.keyflow.node.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The bearer tokens the HTTP API accepts and the scopes of each. Only SHA-256 digests of the tokens
 * are kept, and a presented token is compared with every one of them in constant time, so neither
 * the answer time nor a heap dump or log line gives a token away. Error messages name the source
 * and line of a bad entry, never the token.
 */
public final class ApiTokens {

  /** The characters RFC 6750 allows in a bearer token (b64token). */
  private static final Pattern B64TOKEN = Pattern.compile("[A-Za-z0-9\\-._~+/]+=*");
  /** Shorter tokens are refused: they could be guessed. */
  static final int MIN_LENGTH = 16;

  /** One configured token: the digest, its scopes and where it came from (for messages only). */
  private record Entry(byte[] digest, Set<ApiScope> scopes, String source) {}

  /** A token as configured, before validation: {@code source} says where, for error messages. */
  public record Configured(String token, List<String> scopes, String source) {}

  private final List<Entry> entries;

  private ApiTokens(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  /** Validates every token and scope; throws IllegalArgumentException naming the bad entry. */
  public static ApiTokens of(List<Configured> configured) {
    List<Entry> entries = new ArrayList<>();
    for (Configured c : configured) {
      String token = c.token() == null ? "" : c.token();
      if (token.length() < MIN_LENGTH) {
        throw new IllegalArgumentException(c.source() + ": token shorter than " + MIN_LENGTH + " characters");
      }
      if (!B64TOKEN.matcher(token).matches()) {
        throw new IllegalArgumentException(c.source()
            + ": token has characters a bearer token cannot carry (allowed: A-Z a-z 0-9 - . _ ~ + / and trailing =)");
      }
      if (c.scopes().isEmpty()) {
        throw new IllegalArgumentException(c.source() + ": no scopes (known: read, write)");
      }
      Set<ApiScope> scopes = EnumSet.noneOf(ApiScope.class);
      for (String scope : c.scopes()) {
        try {
          scopes.add(ApiScope.parse(scope));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(c.source() + ": " + e.getMessage(), e);
        }
      }
      byte[] digest = sha256(token);
      for (Entry other : entries) {
        if (MessageDigest.isEqual(other.digest(), digest)) {
          throw new IllegalArgumentException(c.source() + ": the same token as " + other.source());
        }
      }
      entries.add(new Entry(digest, Set.copyOf(scopes), c.source()));
    }
    return new ApiTokens(entries);
  }

  /**
   * Reads a tokens file: one {@code <token> <scope>[,<scope>]} per line; blank lines and lines
   * starting with {@code #} are skipped.
   */
  static List<Configured> readFile(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("keyflow.security.tokens-file " + file + " cannot be read: " + e, e);
    }
    List<Configured> found = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String source = "keyflow.security.tokens-file " + file + " line " + (i + 1);
      String[] parts = line.split("\\s+");
      if (parts.length != 2) {
        throw new IllegalArgumentException(source + ": expected '<token> <scope>[,<scope>]'");
      }
      found.add(new Configured(parts[0], List.of(parts[1].split(",", -1)), source));
    }
    return found;
  }

  /** The scopes of the presented token, empty when it is not one of ours. Constant time per entry. */
  public Optional<Set<ApiScope>> scopesOf(String presented) {
    byte[] digest = sha256(presented);
    Set<ApiScope> found = null;
    for (Entry entry : entries) {
      // No early exit: every entry is compared whatever matched.
      if (MessageDigest.isEqual(entry.digest(), digest)) {
        found = entry.scopes();
      }
    }
    return Optional.ofNullable(found);
  }

  public int size() {
    return entries.size();
  }

  private static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always present", e);
    }
  }

  @Override
  public String toString() {
    return "ApiTokens[" + entries.size() + " tokens]";
  }
}
