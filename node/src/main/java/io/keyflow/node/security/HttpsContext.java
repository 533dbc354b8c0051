package io.keyflow.node.security;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Collections;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.HttpsConnectionContext;

/**
 * HTTPS for the HTTP API from {@code keyflow.http.tls}: the node's key store (its certificate and
 * private key). Loaded before anything starts, so a missing or unreadable store stops the node
 * with a clear message instead of an API that silently speaks plain HTTP.
 */
public final class HttpsContext {

  private HttpsContext() {}

  /** The HTTPS context when {@code keyflow.http.tls.enabled}; empty for plain HTTP. */
  public static Optional<HttpsConnectionContext> create(Config config) {
    Config tls = config.getConfig("keyflow.http.tls");
    if (!tls.getBoolean("enabled")) {
      return Optional.empty();
    }
    return Optional.of(ConnectionContext.httpsServer(sslContext(
        tls.getString("key-store"), tls.getString("key-store-password"), tls.getString("key-store-type"))));
  }

  static SSLContext sslContext(String keyStore, String password, String type) {
    String what = "keyflow.http.tls.key-store";
    if (keyStore.isBlank()) {
      throw new IllegalArgumentException("keyflow.http.tls.enabled = on but " + what + " is not set");
    }
    Path path = Path.of(keyStore);
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw new IllegalArgumentException(what + " " + path.toAbsolutePath() + ": no such readable file");
    }
    try (InputStream in = Files.newInputStream(path)) {
      KeyStore store = KeyStore.getInstance(type);
      char[] secret = password.toCharArray();
      store.load(in, secret);
      if (!Collections.list(store.aliases()).stream().anyMatch(alias -> isKeyEntry(store, alias))) {
        throw new IllegalArgumentException(what + " " + path + " holds no private key");
      }
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, secret);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      // A wrong password surfaces as an IOException from load().
      throw new IllegalArgumentException(what + " " + path + " (type " + type + ") cannot be loaded: " + e.getMessage(), e);
    }
  }

  private static boolean isKeyEntry(KeyStore store, String alias) {
    try {
      return store.isKeyEntry(alias);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
