package io.keyflow.node.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpsContextTest {

  @TempDir
  Path dir;

  /** A PKCS12 key store with a self-signed key pair, made by the JDK's keytool. */
  private Path keyStore(String password) throws Exception {
    Path store = dir.resolve("node.p12");
    Process keytool = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "node", "-keyalg", "EC", "-dname", "CN=127.0.0.2", "-ext", "SAN=IP:127.0.0.2",
        "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", password))
        .redirectErrorStream(true).start();
    String output = new String(keytool.getInputStream().readAllBytes());
    assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(keytool.exitValue()).as(output).isZero();
    return store;
  }

  @Test
  void tlsOffMeansPlainHttp() {
    assertThat(HttpsContext.create(ConfigFactory.parseResources("reference.conf").resolve())).isEmpty();
  }

  @Test
  void aReadableKeyStoreGivesAnHttpsContext() throws Exception {
    Path store = keyStore("store-secret");

    assertThat(HttpsContext.create(ConfigFactory.parseString("""
        keyflow.http.tls { enabled = on, key-store = "%s", key-store-password = "store-secret" }
        """.formatted(store)).withFallback(ConfigFactory.parseResources("reference.conf")).resolve())).isPresent();
  }

  @Test
  void tlsOnWithoutAKeyStoreRefusesToStart() {
    assertThatThrownBy(() -> HttpsContext.sslContext("", "x", "PKCS12"))
        .hasMessageContaining("keyflow.http.tls.key-store is not set");
  }

  @Test
  void aMissingKeyStoreIsNamedInTheError() {
    assertThatThrownBy(() -> HttpsContext.sslContext(dir.resolve("absent.p12").toString(), "x", "PKCS12"))
        .hasMessageContaining("absent.p12: no such readable file");
  }

  @Test
  void aWrongPasswordIsAClearErrorWithoutThePassword() throws Exception {
    Path store = keyStore("store-secret");

    assertThatThrownBy(() -> HttpsContext.sslContext(store.toString(), "wrong-secret", "PKCS12"))
        .hasMessageContaining("cannot be loaded")
        .hasMessageNotContaining("wrong-secret");
  }

  @Test
  void aFileThatIsNoKeyStoreIsAClearError() throws Exception {
    Path notAStore = Files.writeString(dir.resolve("node.p12"), "not a key store");

    assertThatThrownBy(() -> HttpsContext.sslContext(notAStore.toString(), "x", "PKCS12"))
        .hasMessageContaining("cannot be loaded");
  }
}
