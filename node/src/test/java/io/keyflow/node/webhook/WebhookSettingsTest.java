package io.keyflow.node.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.keyflow.pipeline.runner.PipelineConfig;
import io.keyflow.pipeline.engine.PipelineDefinition;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebhookSettingsTest {

  private static final Map<String, PipelineDefinition> PIPELINES = PipelineConfig.parseAll(ConfigFactory.parseString("""
      keyflow.pipelines.clicks {
        window { type = tumbling, size = 10s }
        aggregations = [ { name = n, fn = count } ]
      }
      """), "keyflow.pipelines");

  private static Config config(String hooks) {
    return ConfigFactory.parseString(hooks).withFallback(ConfigFactory.load()).resolve();
  }

  @Test
  void aWebhookTakesItsDefaultsAndThePipelinesLastStage() {
    var hooks = WebhookSettings.parseAll(config("""
        keyflow.results.webhooks.clicks { url = "http://127.0.0.1:9999/hook", max-backoff = 5s }
        """), PIPELINES);
    WebhookSettings clicks = hooks.get("clicks");
    assertThat(clicks.url().toString()).isEqualTo("http://127.0.0.1:9999/hook");
    assertThat(clicks.stage()).isEqualTo(PIPELINES.get("clicks").lastStage().stage());
    assertThat(clicks.maxBackoff()).isEqualTo(Duration.ofSeconds(5));
    assertThat(clicks.minBackoff()).isEqualTo(Duration.ofMillis(200));
  }

  @Test
  void noWebhooksByDefault() {
    assertThat(WebhookSettings.parseAll(ConfigFactory.load(), PIPELINES)).isEmpty();
  }

  @Test
  void badWebhooksAreRefusedNamingTheKey() {
    assertThatThrownBy(() -> WebhookSettings.parseAll(config("keyflow.results.webhooks.nope { url = \"http://127.0.0.1:1/\" }"), PIPELINES))
        .hasMessageContaining("keyflow.results.webhooks.nope");
    assertThatThrownBy(() -> WebhookSettings.parseAll(config("keyflow.results.webhooks.clicks { url = \"ftp://x/\" }"), PIPELINES))
        .hasMessageContaining("keyflow.results.webhooks.clicks.url");
    assertThatThrownBy(() -> WebhookSettings.parseAll(config("keyflow.results.webhooks.clicks { }"), PIPELINES))
        .hasMessageContaining("keyflow.results.webhooks.clicks.url: missing");
    assertThatThrownBy(() -> WebhookSettings.parseAll(config("keyflow.results.webhooks.clicks { url = \"http://h/\", retries = 3 }"), PIPELINES))
        .hasMessageContaining("keyflow.results.webhooks.clicks.retries: unknown key");
    assertThatThrownBy(() -> WebhookSettings.parseAll(config("keyflow.results.webhooks.clicks { url = \"http://h/\", stage = other }"), PIPELINES))
        .hasMessageContaining(".stage");
    assertThatThrownBy(() -> WebhookSettings.parseAll(config(
        "keyflow.results.webhooks.clicks { url = \"http://h/\", min-backoff = 2s, max-backoff = 1s }"), PIPELINES))
        .hasMessageContaining("max-backoff");
  }
}
