package io.keyflow.node.webhook;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.keyflow.node.results.ResultStages;
import io.keyflow.pipeline.engine.PipelineDefinition;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The webhook sink of one pipeline, from {@code keyflow.results.webhooks.<pipeline>} with defaults
 * from {@code keyflow.results.webhook-defaults}. A node-level map rather than a key of the pipeline's
 * own HOCON: a sink is a deployment choice and does not change what the pipeline stores, so it stays
 * out of the pipeline definition and its stored signature.
 *
 * @param url            where each result is POSTed (http or https)
 * @param stage          the stage (or side-output tag) whose results are sent
 * @param minBackoff     wait before the first retry of a failed POST; doubled per attempt
 * @param maxBackoff     longest wait between retries (a result is retried until it is accepted)
 * @param requestTimeout a POST without a complete answer by then counts as failed
 * @param pollInterval   wait between looks at the results log when nothing was new
 * @param page           results read per key group per look
 */
public record WebhookSettings(String pipeline, String stage, URI url, Duration minBackoff, Duration maxBackoff,
                       Duration requestTimeout, Duration pollInterval, int page) {

  private static final Set<String> KEYS = Set.of("url", "stage", "min-backoff", "max-backoff", "request-timeout",
      "poll-interval", "page");

  WebhookBackoff backoff() {
    return new WebhookBackoff(minBackoff, maxBackoff);
  }

  /** Every configured webhook by pipeline; refuses unknown pipelines, stages, keys and bad values. */
  public static Map<String, WebhookSettings> parseAll(Config config, Map<String, PipelineDefinition> pipelines) {
    Map<String, WebhookSettings> all = new TreeMap<>();
    if (!config.hasPath("keyflow.results.webhooks")) {
      return all;
    }
    Config hooks = config.getConfig("keyflow.results.webhooks");
    Config defaults = config.getConfig("keyflow.results.webhook-defaults");
    for (String name : hooks.root().keySet()) {
      String path = "keyflow.results.webhooks." + name;
      PipelineDefinition p = pipelines.get(name);
      if (p == null) {
        throw new IllegalArgumentException(path + ": no pipeline named '" + name + "' (known: "
            + String.join(", ", pipelines.keySet()) + ")");
      }
      Config own;
      try {
        own = hooks.getConfig(com.typesafe.config.ConfigUtil.quoteString(name));
      } catch (ConfigException.WrongType e) {
        throw new IllegalArgumentException(path + ": must be an object with url = \"http://...\"");
      }
      for (String key : own.root().keySet()) {
        if (!KEYS.contains(key)) {
          throw new IllegalArgumentException(path + "." + key + ": unknown key (known: "
              + String.join(", ", new java.util.TreeSet<>(KEYS)) + ")");
        }
      }
      all.put(name, parse(path, p, own.withFallback(defaults)));
    }
    return all;
  }

  private static WebhookSettings parse(String path, PipelineDefinition p, Config c) {
    try {
      if (!c.hasPath("url")) {
        throw new IllegalArgumentException(path + ".url: missing");
      }
      URI url;
      try {
        url = URI.create(c.getString("url"));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(path + ".url: not a URL: " + c.getString("url"));
      }
      if (!url.isAbsolute() || url.getHost() == null
          || !(url.getScheme().equals("http") || url.getScheme().equals("https"))) {
        throw new IllegalArgumentException(path + ".url: must be an absolute http or https URL, was " + url);
      }
      String stage = c.getString("stage").isEmpty() ? p.lastStage().stage() : c.getString("stage");
      if (!ResultStages.known(p, stage)) {
        throw new IllegalArgumentException(path + ".stage: pipeline '" + p.name() + "' has no stage '" + stage + "'");
      }
      Duration min = c.getDuration("min-backoff");
      Duration max = c.getDuration("max-backoff");
      if (min.isNegative() || min.isZero() || max.compareTo(min) < 0) {
        throw new IllegalArgumentException(path + ": min-backoff must be positive and max-backoff at least min-backoff");
      }
      Duration timeout = c.getDuration("request-timeout");
      Duration poll = c.getDuration("poll-interval");
      int page = c.getInt("page");
      if (timeout.isNegative() || timeout.isZero() || poll.isNegative() || poll.isZero() || page < 1) {
        throw new IllegalArgumentException(path + ": request-timeout and poll-interval must be positive, page at least 1");
      }
      return new WebhookSettings(p.name(), stage, url, min, max, timeout, poll, page);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
    }
  }
}
