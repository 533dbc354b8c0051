package io.keyflow.node.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecuritySettingsTest {

  private static final String READER = "reader-0123456789abcdef";
  private static final String WRITER = "writer-0123456789abcdef";

  @TempDir
  Path dir;

  private static Config config(String hocon) {
    return ConfigFactory.parseString(hocon).withFallback(ConfigFactory.parseResources("reference.conf")).resolve();
  }

  @Test
  void autoLeavesTheLoopbackDemoOpenWithoutTokens() {
    SecuritySettings settings = SecuritySettings.create(config("keyflow.node.host = \"127.0.0.2\""));

    assertThat(settings.authEnabled()).isFalse();
    assertThat(settings.why()).contains("127.0.0.2 is a loopback address");
  }

  @Test
  void autoTurnsAuthOnForANonLoopbackAddressAndRefusesToStartWithoutATokenNamingTheKeys() {
    assertThatThrownBy(() -> SecuritySettings.create(config("keyflow.node.host = \"node-1\"")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no token is configured")
        .hasMessageContaining("node-1 is not a loopback address")
        .hasMessageContaining("keyflow.security.tokens-file");
  }

  @Test
  void autoOnANonLoopbackAddressWithATokenIsOn() {
    SecuritySettings settings = SecuritySettings.create(config("""
        keyflow.node.host = "node-1"
        keyflow.security.tokens = [ { token = "%s", scopes = [read] } ]
        """.formatted(READER)));

    assertThat(settings.authEnabled()).isTrue();
    assertThat(settings.tokens().scopesOf(READER)).contains(Set.of(ApiScope.READ));
    assertThat(settings.tokens().scopesOf(WRITER)).isEmpty();
  }

  @Test
  void onRefusesToStartWithoutATokenEvenOnLoopback() {
    assertThatThrownBy(() -> SecuritySettings.create(config("keyflow.security.auth = on")))
        .hasMessageContaining("no token is configured");
  }

  @Test
  void offStaysOffOnAnyAddress() {
    assertThat(SecuritySettings.create(config("keyflow.node.host = \"node-1\"\nkeyflow.security.auth = off"))
        .authEnabled()).isFalse();
  }

  @Test
  void anUnknownAuthModeIsRefused() {
    assertThatThrownBy(() -> SecuritySettings.create(config("keyflow.security.auth = maybe")))
        .hasMessageContaining("keyflow.security.auth must be auto, on or off, was 'maybe'");
  }

  @Test
  void loopbackIsJudgedFromTheStringAlone() {
    assertThat(SecuritySettings.isLoopback("127.0.0.2")).isTrue();
    assertThat(SecuritySettings.isLoopback("127.255.255.254")).isTrue();
    assertThat(SecuritySettings.isLoopback("localhost")).isTrue();
    assertThat(SecuritySettings.isLoopback("::1")).isTrue();
    assertThat(SecuritySettings.isLoopback("[::1]")).isTrue();
    assertThat(SecuritySettings.isLoopback("node-1")).isFalse();
    assertThat(SecuritySettings.isLoopback("0.0.0.0")).isFalse();
    assertThat(SecuritySettings.isLoopback("127.0.0.256")).isFalse();
    assertThat(SecuritySettings.isLoopback("127.example.com")).isFalse();
  }

  @Test
  void aTokensFileGivesEachTokenItsScopesAndSkipsCommentsAndBlankLines() throws Exception {
    Path file = dir.resolve("tokens");
    Files.writeString(file, """
        # ingest service
        %s write

          # dashboards and the operator
        %s read,write
        """.formatted(WRITER, READER));

    SecuritySettings settings = SecuritySettings.create(config("""
        keyflow.security.auth = on
        keyflow.security.tokens-file = "%s"
        """.formatted(file)));

    assertThat(settings.tokens().size()).isEqualTo(2);
    assertThat(settings.tokens().scopesOf(WRITER)).contains(Set.of(ApiScope.WRITE));
    assertThat(settings.tokens().scopesOf(READER)).contains(Set.of(ApiScope.READ, ApiScope.WRITE));
  }

  @Test
  void tokensFromConfigAndFileAddUp() throws Exception {
    Path file = dir.resolve("tokens");
    Files.writeString(file, WRITER + " write\n");

    SecuritySettings settings = SecuritySettings.create(config("""
        keyflow.security.auth = on
        keyflow.security.tokens = [ { token = "%s", scopes = [read] } ]
        keyflow.security.tokens-file = "%s"
        """.formatted(READER, file)));

    assertThat(settings.tokens().size()).isEqualTo(2);
  }

  @Test
  void anUnknownScopeInTheFileIsRefusedWithItsLineButNotTheToken() throws Exception {
    Path file = dir.resolve("tokens");
    Files.writeString(file, "# comment\n" + WRITER + " write,admin\n");

    assertThatThrownBy(() -> SecuritySettings.create(config("keyflow.security.tokens-file = \"" + file + "\"")))
        .hasMessageContaining("line 2")
        .hasMessageContaining("unknown scope 'admin' (known: write, read)")
        .hasMessageNotContaining(WRITER);
  }

  @Test
  void anUnknownScopeInConfigIsRefusedEvenWithAuthOff() {
    assertThatThrownBy(() -> SecuritySettings.create(config("""
        keyflow.security.auth = off
        keyflow.security.tokens = [ { token = "%s", scopes = [read, delete] } ]
        """.formatted(READER))))
        .hasMessageContaining("keyflow.security.tokens[0]")
        .hasMessageContaining("unknown scope 'delete'");
  }

  @Test
  void aMalformedTokensFileLineIsRefused() throws Exception {
    Path file = dir.resolve("tokens");
    Files.writeString(file, WRITER + "\n");

    assertThatThrownBy(() -> SecuritySettings.create(config("keyflow.security.tokens-file = \"" + file + "\"")))
        .hasMessageContaining("line 1: expected '<token> <scope>[,<scope>]'");
  }

  @Test
  void aMissingTokensFileIsRefused() {
    assertThatThrownBy(() -> SecuritySettings.create(config("keyflow.security.tokens-file = \"" + dir.resolve("none") + "\"")))
        .hasMessageContaining("cannot be read");
  }

  @Test
  void shortTokensAndDuplicatesAreRefusedWithoutShowingTheToken() {
    assertThatThrownBy(() -> SecuritySettings.create(config(
        "keyflow.security.tokens = [ { token = \"secret\", scopes = [read] } ]")))
        .hasMessageContaining("shorter than 16 characters")
        .hasMessageNotContaining("secret\"");
    assertThatThrownBy(() -> SecuritySettings.create(config("""
        keyflow.security.tokens = [ { token = "%1$s", scopes = [read] }, { token = "%1$s", scopes = [write] } ]
        """.formatted(READER))))
        .hasMessageContaining("keyflow.security.tokens[1]: the same token as keyflow.security.tokens[0]")
        .hasMessageNotContaining(READER);
  }

  @Test
  void aTokenEntryWithoutScopesIsRefused() {
    assertThatThrownBy(() -> SecuritySettings.create(config(
        "keyflow.security.tokens = [ { token = \"%s\" } ]".formatted(READER))))
        .hasMessageContaining("keyflow.security.tokens[0]: needs token = \"...\" and scopes = [read, write]");
  }
}
