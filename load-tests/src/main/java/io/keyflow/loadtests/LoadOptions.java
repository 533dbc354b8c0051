package io.keyflow.loadtests;

import io.keyflow.examples.nexmark.NexmarkTimes;
import io.keyflow.loadtests.nexmark.NexmarkQuery;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Command-line options of {@link Loader}. Parsing never exits the JVM: every problem is an
 * {@link IllegalArgumentException} whose message names the flag, so the CLI can print it as is.
 */
public record LoadOptions(
    List<URI> nodes,
    String pipeline,
    int batch,
    OptionalLong requests,
    Optional<Duration> duration,
    int concurrency,
    int keys,
    long seed,
    String keyField,
    String timeField,
    long startTs,
    long tsStepMs,
    long disorderMs,
    Duration warmup,
    Duration timeout,
    String workload,
    String query,
    long eventRate,
    long rate,
    double zipf,
    int maxRetries,
    Optional<Path> report) {

  public static final String CLICKS = "clicks";
  public static final String NEXMARK = "nexmark";

  public static final Duration DEFAULT_DURATION = Duration.ofSeconds(20);

  public static final String USAGE = String.join("\n",
      "usage: Loader [flags]   (each flag as --name value or --name=value)",
      "  --nodes URL[,URL..]   nodes to send to, round-robin      (default http://127.0.0.1:8080)",
      "  --pipeline NAME       pipeline to ingest into            (default clicks)",
      "  --batch N             events per request                 (default 100)",
      "  --requests N          stop after N requests, warm-up included",
      "  --duration D          stop issuing requests after D      (default 20s if --requests is absent)",
      "  --concurrency N       requests in flight at most         (default 8)",
      "  --rate N              open loop: N events/s offered on a fixed schedule, latency counted from",
      "                        each request's scheduled time (no coordinated omission); 0 = closed loop (default)",
      "  --max-retries N       resend a batch answered 503 (after Retry-After) or not answered, with the",
      "                        same Idempotency-Key, up to N times (default 5)",
      "  --report FILE         also write an HTML report with latency and rate over time",
      "  --keys N              distinct keys u0..u(N-1)           (default 1000)",
      "  --zipf S              key skew: Zipf exponent over the keys, u0 hottest (default 0: uniform)",
      "  --seed N              seed of the event stream           (default 1)",
      "  --key-field NAME      (default user)    --time-field NAME  (default ts)",
      "  --start-ts MS         event time of the first event      (default 1700000000000)",
      "  --ts-step-ms MS       event time advance per event       (default 1)",
      "  --disorder-ms MS      max random step back in event time (default 500)",
      "  --warmup D            leading time not in the figures    (default 3s)",
      "  --timeout D           per-request timeout                (default 30s)",
      "  --workload W          clicks | nexmark                   (default clicks)",
      "  nexmark: --query q0|q4|q5|q7|q11 (default q5; pipeline default nexmark-<query>), --event-rate N",
      "           events per second of event time (default 10000); --start-ts is the base time,",
      "           --disorder-ms the jitter (below the queries' 2 s bound); --keys, --key-field, --ts-step-ms unused",
      "durations: 500ms, 20s, 2m, 1h; numbers may contain underscores (1_700_000_000_000).");

  private static final List<String> FLAGS = List.of(
      "nodes", "pipeline", "batch", "requests", "duration", "concurrency", "keys", "seed", "key-field",
      "time-field", "start-ts", "ts-step-ms", "disorder-ms", "warmup", "timeout", "workload", "query",
      "event-rate", "rate", "zipf", "max-retries", "report");
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");
  // Kept to characters that need no escaping in a URL path or a JSON string.
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");

  public LoadOptions {
    nodes = List.copyOf(nodes);
  }

  public static LoadOptions parse(String... args) {
    Map<String, String> given = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--") || arg.length() == 2) {
        throw new IllegalArgumentException("unexpected argument '" + arg + "' (flags look like --batch 100)");
      }
      int eq = arg.indexOf('=');
      String name = eq > 0 ? arg.substring(2, eq) : arg.substring(2);
      if (!FLAGS.contains(name)) {
        throw new IllegalArgumentException("unknown flag --" + name + " (known: --" + String.join(", --", FLAGS) + ")");
      }
      String value;
      if (eq > 0) {
        value = arg.substring(eq + 1);
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        value = args[++i];
      } else {
        throw new IllegalArgumentException("--" + name + " needs a value");
      }
      if (given.put(name, value) != null) {
        throw new IllegalArgumentException("--" + name + " given more than once");
      }
    }
    return from(given);
  }

  private static LoadOptions from(Map<String, String> g) {
    OptionalLong requests = g.containsKey("requests")
        ? OptionalLong.of(number(g, "requests", null, 1, Long.MAX_VALUE)) : OptionalLong.empty();
    Optional<Duration> duration = Optional.ofNullable(g.get("duration")).map(v -> duration("duration", v));
    // An unbounded run would only end with Ctrl-C and no summary; a missing bound means the default.
    if (requests.isEmpty() && duration.isEmpty()) {
      duration = Optional.of(DEFAULT_DURATION);
    }
    if (duration.isPresent() && duration.get().isZero()) {
      throw new IllegalArgumentException("--duration must be more than 0");
    }
    Duration warmup = duration("warmup", g.getOrDefault("warmup", "3s"));
    if (duration.isPresent() && warmup.compareTo(duration.get()) >= 0) {
      throw new IllegalArgumentException("--warmup (" + g.getOrDefault("warmup", "3s")
          + ") must be shorter than --duration (" + g.getOrDefault("duration", "20s") + "), or nothing is measured");
    }
    Duration timeout = duration("timeout", g.getOrDefault("timeout", "30s"));
    if (timeout.isZero()) {
      throw new IllegalArgumentException("--timeout must be more than 0");
    }
    String keyField = name(g, "key-field", "user");
    String timeField = name(g, "time-field", "ts");
    if (keyField.equals(timeField) || keyField.equals(EventGenerator.AMOUNT_FIELD)
        || timeField.equals(EventGenerator.AMOUNT_FIELD)) {
      throw new IllegalArgumentException("--key-field, --time-field and the '" + EventGenerator.AMOUNT_FIELD
          + "' field must all differ");
    }
    String workload = g.getOrDefault("workload", CLICKS);
    if (!workload.equals(CLICKS) && !workload.equals(NEXMARK)) {
      throw new IllegalArgumentException("--workload: expected clicks or nexmark, got '" + workload + "'");
    }
    boolean nexmark = workload.equals(NEXMARK);
    if (!nexmark && (g.containsKey("query") || g.containsKey("event-rate"))) {
      throw new IllegalArgumentException("--query and --event-rate need --workload nexmark");
    }
    String query = null;
    String pipeline = name(g, "pipeline", "clicks");
    long disorder = number(g, "disorder-ms", "500", 0, 86_400_000);
    if (nexmark) {
      query = NexmarkQuery.parse(g.getOrDefault("query", "q5")).id();
      pipeline = g.containsKey("pipeline") ? pipeline : NexmarkQuery.parse(query).pipelineName();
      long bound = NexmarkTimes.INPUT_OUT_OF_ORDERNESS.toMillis();
      if (disorder >= bound) {
        throw new IllegalArgumentException("--disorder-ms: " + disorder + " must be below the Nexmark queries' "
            + bound + " ms out-of-orderness, or events would be late");
      }
    }
    return new LoadOptions(
        nodes(g.getOrDefault("nodes", "http://127.0.0.1:8080")),
        pipeline,
        (int) number(g, "batch", "100", 1, 1_000_000),
        requests,
        duration,
        (int) number(g, "concurrency", "8", 1, 10_000),
        (int) number(g, "keys", "1000", 1, Integer.MAX_VALUE),
        number(g, "seed", "1", Long.MIN_VALUE, Long.MAX_VALUE),
        keyField,
        timeField,
        number(g, "start-ts", "1700000000000", 0, 4_000_000_000_000L),
        number(g, "ts-step-ms", "1", 0, 3_600_000),
        disorder,
        warmup,
        timeout,
        workload,
        query,
        number(g, "event-rate", "10000", 1, 10_000_000),
        number(g, "rate", "0", 0, 100_000_000),
        zipf(g),
        (int) number(g, "max-retries", "5", 0, 1_000),
        Optional.ofNullable(g.get("report")).map(Path::of));
  }

  private static double zipf(Map<String, String> g) {
    String raw = g.getOrDefault("zipf", "0");
    double value;
    try {
      value = Double.parseDouble(raw);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--zipf: expected a number like 1.1, got '" + raw + "'");
    }
    if (!(value >= 0 && value <= 10)) {
      throw new IllegalArgumentException("--zipf: " + raw + " is out of range [0, 10]");
    }
    if (value > 0 && g.getOrDefault("workload", CLICKS).equals(NEXMARK)) {
      throw new IllegalArgumentException("--zipf is for the clicks workload (Nexmark has its own hot ids)");
    }
    return value;
  }

  private static long number(Map<String, String> g, String flag, String fallback, long min, long max) {
    String raw = g.getOrDefault(flag, fallback);
    long value;
    try {
      value = Long.parseLong(raw.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + flag + ": expected a whole number, got '" + raw + "'");
    }
    if (value < min || value > max) {
      throw new IllegalArgumentException("--" + flag + ": " + value + " is out of range ["
          + min + ", " + max + "]");
    }
    return value;
  }

  static Duration duration(String flag, String raw) {
    Matcher m = DURATION.matcher(raw.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("--" + flag + ": expected a duration like 500ms, 20s, 2m or 1h, got '"
          + raw + "'");
    }
    long amount;
    try {
      amount = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        default -> Duration.ofHours(amount);
      };
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("--" + flag + ": '" + raw + "' is too large");
    }
  }

  private static String name(Map<String, String> g, String flag, String fallback) {
    String value = g.getOrDefault(flag, fallback);
    if (!NAME.matcher(value).matches()) {
      throw new IllegalArgumentException("--" + flag + ": '" + value + "' must be letters, digits, '.', '_' or '-'");
    }
    return value;
  }

  private static List<URI> nodes(String raw) {
    List<URI> nodes = new ArrayList<>();
    for (String part : raw.split(",", -1)) {
      String text = part.strip();
      URI uri;
      try {
        uri = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--nodes: '" + text + "' is not a URL");
      }
      if (!"http".equals(uri.getScheme()) || uri.getHost() == null
          || (uri.getPath() != null && !uri.getPath().isEmpty()) || uri.getQuery() != null) {
        throw new IllegalArgumentException("--nodes: '" + text + "' must look like http://127.0.0.2:8080");
      }
      nodes.add(uri);
    }
    return nodes;
  }
}
