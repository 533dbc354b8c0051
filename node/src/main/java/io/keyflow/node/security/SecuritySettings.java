package io.keyflow.node.security;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Authentication of the HTTP API, read once from {@code keyflow.security}.
 *
 * @param authEnabled whether every API route needs a bearer token
 * @param why         how {@code auth} was decided, for the start-up log
 * @param tokens      the accepted tokens and their scopes (empty when auth is off)
 */
public record SecuritySettings(boolean authEnabled, String why, ApiTokens tokens) {

  private static final Pattern LOOPBACK_V4 =
      Pattern.compile("127\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)");

  /** Refuses (IllegalArgumentException) auth without tokens, unknown scopes, bad tokens files. */
  public static SecuritySettings create(Config config) {
    String mode = config.getString("keyflow.security.auth").strip().toLowerCase(Locale.ROOT);
    String host = config.getString("keyflow.node.host");
    boolean enabled;
    String why;
    switch (mode) {
      case "on" -> {
        enabled = true;
        why = "keyflow.security.auth = on";
      }
      case "off" -> {
        enabled = false;
        why = "keyflow.security.auth = off";
      }
      case "auto" -> {
        enabled = !isLoopback(host);
        why = "keyflow.security.auth = auto and host " + host + (enabled ? " is not" : " is") + " a loopback address";
      }
      default -> throw new IllegalArgumentException(
          "keyflow.security.auth must be auto, on or off, was '" + config.getString("keyflow.security.auth") + "'");
    }
    // Tokens are validated even when auth is off, so a bad entry shows before it is switched on.
    List<ApiTokens.Configured> configured = new ArrayList<>(configuredTokens(config));
    String file = config.getString("keyflow.security.tokens-file");
    if (!file.isBlank()) {
      configured.addAll(ApiTokens.readFile(Path.of(file)));
    }
    ApiTokens tokens = ApiTokens.of(configured);
    if (enabled && tokens.size() == 0) {
      throw new IllegalArgumentException("HTTP API authentication is on (" + why + ") but no token is configured:"
          + " set keyflow.security.tokens or keyflow.security.tokens-file (or keyflow.security.auth = off)");
    }
    return new SecuritySettings(enabled, why, tokens);
  }

  private static List<ApiTokens.Configured> configuredTokens(Config config) {
    List<ApiTokens.Configured> found = new ArrayList<>();
    List<? extends Config> list = config.getConfigList("keyflow.security.tokens");
    for (int i = 0; i < list.size(); i++) {
      Config entry = list.get(i);
      String source = "keyflow.security.tokens[" + i + "]";
      try {
        found.add(new ApiTokens.Configured(entry.getString("token"), entry.getStringList("scopes"), source));
      } catch (ConfigException e) {
        throw new IllegalArgumentException(source + ": needs token = \"...\" and scopes = [read, write]", e);
      }
    }
    return found;
  }

  /**
   * Whether {@code host} names a loopback address, judged from the string alone (no DNS):
   * 127.0.0.0/8, ::1 or localhost.
   */
  public static boolean isLoopback(String host) {
    String h = host.strip().toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return h.equals("localhost") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1") || LOOPBACK_V4.matcher(h).matches();
  }
}
