package io.keyflow.loadtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LoadOptionsTest {

  @Test
  void defaultsBoundTheRunByDuration() {
    LoadOptions o = LoadOptions.parse();
    assertThat(o.duration()).contains(Duration.ofSeconds(20));
    assertThat(o.requests()).isEmpty();
    assertThat(o.nodes()).containsExactly(URI.create("http://127.0.0.1:8080"));
    assertThat(o.pipeline()).isEqualTo("clicks");
    assertThat(o.batch()).isEqualTo(100);
    assertThat(o.concurrency()).isEqualTo(8);
    assertThat(o.keys()).isEqualTo(1000);
    assertThat(o.seed()).isEqualTo(1);
    assertThat(o.keyField()).isEqualTo("user");
    assertThat(o.timeField()).isEqualTo("ts");
    assertThat(o.startTs()).isEqualTo(1_700_000_000_000L);
    assertThat(o.tsStepMs()).isEqualTo(1);
    assertThat(o.disorderMs()).isEqualTo(500);
    assertThat(o.warmup()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void aRequestCountAloneIsTheBound() {
    LoadOptions o = LoadOptions.parse("--requests", "1_000");
    assertThat(o.requests()).hasValue(1000);
    assertThat(o.duration()).isEmpty();
  }

  @Test
  void parsesEveryFlagInBothForms() {
    LoadOptions o = LoadOptions.parse("--nodes", "http://127.0.0.2:8080, http://127.0.0.3:8080/",
        "--pipeline=orders", "--batch", "500", "--requests", "10", "--duration", "2m", "--concurrency=4",
        "--keys", "10", "--seed", "-7", "--key-field", "account", "--time-field", "at", "--start-ts", "0",
        "--ts-step-ms", "0", "--disorder-ms", "0", "--warmup", "500ms", "--timeout", "5s");
    assertThat(o.nodes()).containsExactly(URI.create("http://127.0.0.2:8080"), URI.create("http://127.0.0.3:8080"));
    assertThat(o.pipeline()).isEqualTo("orders");
    assertThat(o.batch()).isEqualTo(500);
    assertThat(o.requests()).hasValue(10);
    assertThat(o.duration()).contains(Duration.ofMinutes(2));
    assertThat(o.concurrency()).isEqualTo(4);
    assertThat(o.seed()).isEqualTo(-7);
    assertThat(o.keyField()).isEqualTo("account");
    assertThat(o.timeField()).isEqualTo("at");
    assertThat(o.startTs()).isZero();
    assertThat(o.warmup()).isEqualTo(Duration.ofMillis(500));
    assertThat(o.timeout()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void rejectsUnknownFlagsAndStrayArguments() {
    assertThatThrownBy(() -> LoadOptions.parse("--batchsize", "10")).hasMessageContaining("unknown flag --batchsize");
    assertThatThrownBy(() -> LoadOptions.parse("100")).hasMessageContaining("unexpected argument '100'");
    assertThatThrownBy(() -> LoadOptions.parse("--batch")).hasMessageContaining("--batch needs a value");
    assertThatThrownBy(() -> LoadOptions.parse("--batch", "--keys", "3")).hasMessageContaining("--batch needs a value");
    assertThatThrownBy(() -> LoadOptions.parse("--keys", "3", "--keys=4")).hasMessageContaining("more than once");
  }

  @Test
  void rejectsBadValuesNamingTheFlag() {
    assertThatThrownBy(() -> LoadOptions.parse("--batch", "ten")).hasMessageContaining("--batch: expected a whole number");
    assertThatThrownBy(() -> LoadOptions.parse("--batch", "0")).hasMessageContaining("--batch: 0 is out of range");
    assertThatThrownBy(() -> LoadOptions.parse("--concurrency", "-1")).hasMessageContaining("--concurrency");
    assertThatThrownBy(() -> LoadOptions.parse("--requests", "0")).hasMessageContaining("--requests");
    assertThatThrownBy(() -> LoadOptions.parse("--duration", "20")).hasMessageContaining("--duration: expected a duration");
    assertThatThrownBy(() -> LoadOptions.parse("--duration", "0s")).hasMessageContaining("--duration must be more than 0");
    assertThatThrownBy(() -> LoadOptions.parse("--duration", "2s")).hasMessageContaining("--warmup (3s) must be shorter");
    assertThatThrownBy(() -> LoadOptions.parse("--nodes", "127.0.0.2:8080")).hasMessageContaining("--nodes");
    assertThatThrownBy(() -> LoadOptions.parse("--nodes", "http://a:1,")).hasMessageContaining("--nodes");
    assertThatThrownBy(() -> LoadOptions.parse("--pipeline", "a/b")).hasMessageContaining("--pipeline");
    assertThatThrownBy(() -> LoadOptions.parse("--key-field", "ts")).hasMessageContaining("must all differ");
    assertThat(LoadOptions.parse("--duration", "2s", "--warmup", "0s").warmup()).isZero();
  }

  @Test
  void theNexmarkWorkloadPicksItsQuerysPipelineAndKeepsJitterBelowTheQueriesBound() {
    LoadOptions o = LoadOptions.parse("--workload", "nexmark", "--query", "Q4", "--event-rate", "2_000");
    assertThat(o.workload()).isEqualTo("nexmark");
    assertThat(o.query()).isEqualTo("q4");
    assertThat(o.pipeline()).isEqualTo("nexmark-q4");
    assertThat(o.eventRate()).isEqualTo(2_000);
    assertThat(LoadOptions.parse("--workload", "nexmark").pipeline()).isEqualTo("nexmark-q5");
    assertThat(LoadOptions.parse("--workload", "nexmark", "--pipeline", "mine").pipeline()).isEqualTo("mine");
    assertThat(LoadOptions.parse().workload()).isEqualTo("clicks");
    assertThatThrownBy(() -> LoadOptions.parse("--workload", "tpch")).hasMessageContaining("--workload");
    assertThatThrownBy(() -> LoadOptions.parse("--workload", "nexmark", "--query", "q3"))
        .hasMessageContaining("unknown Nexmark query 'q3'");
    assertThatThrownBy(() -> LoadOptions.parse("--query", "q5")).hasMessageContaining("need --workload nexmark");
    assertThatThrownBy(() -> LoadOptions.parse("--workload", "nexmark", "--disorder-ms", "2000"))
        .hasMessageContaining("--disorder-ms");
  }

  @Test
  void openLoopSkewRetriesAndReportAreOptional() {
    LoadOptions defaults = LoadOptions.parse();
    assertThat(defaults.rate()).isZero();
    assertThat(defaults.zipf()).isZero();
    assertThat(defaults.maxRetries()).isEqualTo(5);
    assertThat(defaults.report()).isEmpty();
    LoadOptions o = LoadOptions.parse("--rate", "20_000", "--zipf", "1.1", "--max-retries", "0",
        "--report", "target/load.html");
    assertThat(o.rate()).isEqualTo(20_000);
    assertThat(o.zipf()).isEqualTo(1.1);
    assertThat(o.maxRetries()).isZero();
    assertThat(o.report()).contains(java.nio.file.Path.of("target/load.html"));
  }

  @Test
  void refusesAMeaninglessSkew() {
    assertThatThrownBy(() -> LoadOptions.parse("--zipf", "-1")).hasMessageContaining("--zipf");
    assertThatThrownBy(() -> LoadOptions.parse("--zipf", "hot")).hasMessageContaining("--zipf");
    assertThatThrownBy(() -> LoadOptions.parse("--workload", "nexmark", "--zipf", "1"))
        .hasMessageContaining("clicks workload");
    assertThatThrownBy(() -> LoadOptions.parse("--rate", "-5")).hasMessageContaining("--rate");
  }
}
