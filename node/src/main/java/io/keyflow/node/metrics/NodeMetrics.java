package io.keyflow.node.metrics;

import io.keyflow.persistence.KeyflowMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ExtensionSetup;

/**
 * The node's Prometheus registry (served at {@code GET /metrics}), with the JVM's meters bound, and
 * the count of HTTP answers by route and status. The other modules reach the same registry through
 * {@link KeyflowMetrics}, installed with {@link #actorSystemSetup()} when the ActorSystem is created.
 */
public final class NodeMetrics implements AutoCloseable {

  private static final Pattern PIPELINE_ROUTE = Pattern.compile(
      "/v1/pipelines/[^/]+(/events|/watermark|/results|/results/stream|/late|/state/[^/]+)?/?");

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final Map<String, Counter> requests = new ConcurrentHashMap<>();
  /**
   * Every node's figures of the last 15 minutes at one point a second, and 200 marks ({@link
   * ClusterFigures}); a node silent for 5 s is no longer current.
   */
  private final FigureHistory figures = new FigureHistory(900, 200, 5_000, 15 * 60_000);

  public NodeMetrics() {
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    // The Cassandra driver's MicrometerMetricsFactory falls back to the global registry: the sessions
    // are built by pekko-persistence-cassandra, which offers no way to hand them a registry.
    Metrics.addRegistry(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  public FigureHistory figures() {
    return figures;
  }

  public ExtensionSetup<KeyflowMetrics> actorSystemSetup() {
    return KeyflowMetrics.setup(registry);
  }

  /** Every meter in the Prometheus text format 0.0.4. */
  public String scrape() {
    return registry.scrape();
  }

  /** Counts one HTTP answer ({@code keyflow_http_requests_total{route,status}}). */
  public void answered(String path, int status) {
    String route = routeOf(path);
    requests.computeIfAbsent(route + " " + status, k -> Counter.builder("keyflow.http.requests")
        .tags("route", route, "status", Integer.toString(status))
        .description("HTTP answers of the node's API, by route template and status code")
        .register(registry)).increment();
  }

  /**
   * The route template of a request path, with the pipeline name and the key replaced, so the
   * number of series stays bounded whatever clients send; unknown paths are {@code other}.
   */
  static String routeOf(String path) {
    if (path.equals("/metrics") || path.equals("/v1/cluster") || path.equals("/v1/cluster/figures")) {
      return path;
    }
    if (path.equals("/v1/pipelines") || path.equals("/v1/pipelines/")) {
      return "/v1/pipelines";
    }
    var m = PIPELINE_ROUTE.matcher(path);
    if (!m.matches()) {
      return "other";
    }
    String rest = m.group(1) == null ? "" : m.group(1);
    return "/v1/pipelines/{pipeline}" + (rest.startsWith("/state/") ? "/state/{key}" : rest);
  }

  @Override
  public void close() {
    gc.close();
    Metrics.removeRegistry(registry);
    registry.close();
  }
}
