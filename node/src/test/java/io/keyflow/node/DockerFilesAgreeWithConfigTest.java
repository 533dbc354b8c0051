package io.keyflow.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.keyflow.node.security.SecuritySettings;
import io.keyflow.persistence.cassandra.KeyspaceReplication;
import io.keyflow.persistence.cassandra.ReplicationRules;
import io.keyflow.pipeline.runner.PipelineConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Docker deployment (docker/Dockerfile, docker/compose.yaml, docker/hpa.yaml) agrees with
 * cluster-config/docker.conf, resolved as a node resolves it. Needs no Docker engine.
 */
class DockerFilesAgreeWithConfigTest {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path DOCKER = ROOT.resolve("docker");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static JsonNode services;
  private static Map<String, JsonNode> nodeServices;
  private static ParsedDockerfile dockerfile;
  private static JsonNode composeSecrets;

  @BeforeAll
  static void readFiles() throws IOException {
    JsonNode compose = YAML.readTree(DOCKER.resolve("compose.yaml").toFile());
    services = compose.path("services");
    composeSecrets = compose.path("secrets");
    nodeServices = new LinkedHashMap<>();
    services.fields().forEachRemaining(service -> {
      JsonNode build = service.getValue().path("build");
      if (!build.isMissingNode()
          && DOCKER.resolve(build.path("context").asText(".")).resolve(build.path("dockerfile").asText("Dockerfile"))
              .normalize().equals(DOCKER.resolve("Dockerfile"))) {
        nodeServices.put(service.getKey(), service.getValue());
      }
    });
    assertThat(nodeServices).as("compose services built from docker/Dockerfile").isNotEmpty();
    dockerfile = ParsedDockerfile.read(DOCKER.resolve("Dockerfile"));
  }

  /** docker.conf as the node in container {@code host} resolves it (KEYFLOW_NODE_HOST = host). */
  private static Config nodeConfig(String host) {
    return NodeConfig.load(ConfigFactory.parseMap(Map.of("KEYFLOW_NODE_HOST", host)).withFallback(dockerConf()));
  }

  private static Config dockerConf() {
    return ConfigFactory.parseFile(ROOT.resolve("cluster-config/docker.conf").toFile(),
        ConfigParseOptions.defaults().setAllowMissing(false));
  }

  private static String hostnameOf(String service) {
    return nodeServices.get(service).path("hostname").asText(service);
  }

  /** A service's environment, in either compose form (map or list of KEY=VALUE). */
  private static Map<String, String> environmentOf(JsonNode service) {
    Map<String, String> environment = new LinkedHashMap<>();
    JsonNode node = service.path("environment");
    if (node.isArray()) {
      node.forEach(entry -> environment.put(entry.asText().split("=", 2)[0], entry.asText().split("=", 2)[1]));
    } else {
      node.fields().forEachRemaining(entry -> environment.put(entry.getKey(), entry.getValue().asText()));
    }
    return environment;
  }

  private static List<String> texts(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
  }

  @Test
  void everySeedNodeIsANodeServiceWithThatHostnameAndTheRemotingPort() {
    Config config = nodeConfig("node-1");
    List<String> hostnames = nodeServices.keySet().stream().map(DockerFilesAgreeWithConfigTest::hostnameOf).toList();
    List<String> seedHosts = new ArrayList<>();
    for (String seed : config.getStringList("pekko.cluster.seed-nodes")) {
      URI uri = URI.create(seed);
      assertThat(uri.getUserInfo()).as("actor system of seed %s (Main starts \"keyflow\")", seed).isEqualTo("keyflow");
      assertThat(hostnames).as("hostnames of the node services of compose.yaml, for seed %s of docker.conf", seed)
          .contains(uri.getHost());
      assertThat(uri.getPort()).as("port of seed %s = keyflow.node.remote-port", seed)
          .isEqualTo(config.getInt("keyflow.node.remote-port"));
      seedHosts.add(uri.getHost());
    }
    assertThat(seedHosts).as("every node is a seed (common.conf), so docker.conf lists every node service")
        .containsExactlyInAnyOrderElementsOf(hostnames);
  }

  @Test
  void containersRunTheClusterSettingsAndPipelinesOfTheLocalCluster() {
    Config docker = nodeConfig("node-1");
    Config local = NodeConfig.load(ConfigFactory.parseFile(ROOT.resolve("cluster-config/node-1.conf").toFile()));
    for (String path : List.of("pekko.cluster.downing-provider-class", "pekko.cluster.split-brain-resolver",
        "pekko.cluster.failure-detector", "pekko.cluster.sharding", "keyflow.sharding", "keyflow.node.http-port",
        "keyflow.node.remote-port", "keyflow.node.management-port")) {
      assertThat(docker.getValue(path).unwrapped()).as("%s in docker.conf and in node-1.conf (common.conf)", path)
          .isEqualTo(local.getValue(path).unwrapped());
    }
    assertThat(PipelineConfig.parseAll(docker, "keyflow.pipelines")).as("pipelines of docker.conf (pipelines.conf)")
        .isEqualTo(PipelineConfig.parseAll(local, "keyflow.pipelines"));
  }

  @Test
  void everyNodeServiceAdvertisesItsOwnHostname() {
    nodeServices.forEach((name, service) -> {
      String hostname = hostnameOf(name);
      assertThat(environmentOf(service).get("KEYFLOW_NODE_HOST")).as("KEYFLOW_NODE_HOST of service %s", name).isEqualTo(hostname);
      Config config = nodeConfig(hostname);
      assertThat(config.getString("keyflow.node.host")).as("keyflow.node.host of %s", name).isEqualTo(hostname);
      assertThat(config.getString("pekko.remote.artery.canonical.hostname")).as("remoting address of %s", name).isEqualTo(hostname);
    });
  }

  @Test
  void everyNodeServiceGetsTheTokensItNeedsOnAContainerAddress() {
    JsonNode secrets = composeSecrets;
    nodeServices.forEach((name, service) -> {
      String hostname = hostnameOf(name);
      String tokensFile = environmentOf(service).get("KEYFLOW_TOKENS_FILE");
      assertThat(tokensFile).as("KEYFLOW_TOKENS_FILE of service %s (auth is on off loopback)", name).isNotNull();
      assertThat(tokensFile).as("the tokens file of %s is a compose secret it mounts", name)
          .startsWith("/run/secrets/");
      String secret = tokensFile.substring("/run/secrets/".length());
      assertThat(texts(service.path("secrets"))).as("secrets of service %s", name).contains(secret);
      assertThat(secrets.path(secret).path("file").asText()).as("file of secret %s", secret).isEqualTo("./tokens.txt");
      // The example the README tells users to copy must be a valid tokens file for such a node.
      Config config = ConfigFactory.parseMap(Map.of("keyflow.security.tokens-file",
              DOCKER.resolve("tokens.example").toString()))
          .withFallback(nodeConfig(hostname));
      SecuritySettings security = SecuritySettings.create(config);
      assertThat(security.authEnabled()).as("auth of %s on its container address", name).isTrue();
    });
  }

  @Test
  void prometheusScrapesEveryNodeServiceOnItsHttpPortWithAReadToken() throws IOException {
    JsonNode prometheus = services.path("prometheus");
    assertThat(prometheus.path("image").asText()).as("image of service prometheus").matches("prom/prometheus:v[0-9.]+");
    String configPath = texts(prometheus.path("command")).stream().filter(arg -> arg.startsWith("--config.file="))
        .map(arg -> arg.substring("--config.file=".length())).findFirst().orElse("/etc/prometheus/prometheus.yml");
    assertThat(texts(prometheus.path("volumes"))).as("volumes of service prometheus")
        .contains("./prometheus.yml:" + configPath + ":ro");
    JsonNode config = YAML.readTree(DOCKER.resolve("prometheus.yml").toFile());
    int http = nodeConfig("node-1").getInt("keyflow.node.http-port");
    List<String> expected = nodeServices.keySet().stream().map(name -> hostnameOf(name) + ":" + http).toList();
    List<String> targets = new ArrayList<>();
    for (JsonNode job : config.path("scrape_configs")) {
      assertThat(job.path("metrics_path").asText("/metrics")).as("metrics_path of job %s", job.path("job_name")).isEqualTo("/metrics");
      assertThat(job.path("scheme").asText("http")).as("scheme of job %s (docker.conf has no TLS)", job.path("job_name"))
          .isEqualTo("http");
      job.path("static_configs").forEach(group -> targets.addAll(texts(group.path("targets"))));
      // Auth is on for every node service (everyNodeServiceGetsTheTokensItNeedsOnAContainerAddress).
      JsonNode authorization = job.path("authorization");
      assertThat(authorization.path("type").asText("Bearer")).as("authorization of job %s", job.path("job_name")).isEqualTo("Bearer");
      String credentials = authorization.path("credentials_file").asText();
      assertThat(credentials).as("credentials_file of job %s: a compose secret", job.path("job_name")).startsWith("/run/secrets/");
      String secret = credentials.substring("/run/secrets/".length());
      assertThat(texts(prometheus.path("secrets"))).as("secrets of service prometheus").contains(secret);
      assertThat(composeSecrets.path(secret).path("file").asText()).as("file of secret %s", secret).isEqualTo("./prometheus-token.txt");
    }
    assertThat(targets).as("scrape targets of docker/prometheus.yml = every node service on keyflow.node.http-port")
        .containsExactlyInAnyOrderElementsOf(expected);
    // The README makes prometheus-token.txt from a read token of tokens.txt, copied from tokens.example.
    assertThat(Files.readAllLines(DOCKER.resolve("tokens.example")).stream()
        .filter(line -> !line.isBlank() && !line.startsWith("#")).map(line -> line.trim().split("\\s+")))
        .as("tokens of docker/tokens.example").anySatisfy(entry -> assertThat(entry[1].split(",")).contains("read"));
  }

  @Test
  void theMonitoringServicesListenOnTheHostsLoopbackOnlyAndNoSecretFileIsCommitted() throws IOException {
    for (String name : List.of("prometheus", "grafana")) {
      assertThat(texts(services.path(name).path("ports"))).as("ports of service %s (it asks for no token)", name)
          .isNotEmpty().allSatisfy(port -> assertThat(port).startsWith("127.0.0.1:"));
    }
    List<String> ignored = Files.readAllLines(ROOT.resolve(".gitignore"));
    composeSecrets.fields().forEachRemaining(secret -> assertThat(ignored)
        .as(".gitignore, for the file of compose secret %s", secret.getKey())
        .contains("docker/" + Path.of(secret.getValue().path("file").asText()).normalize()));
  }

  @Test
  void aContainerWithoutKeyflowNodeHostFailsInsteadOfBindingLoopback() {
    assumeThat(System.getenv("KEYFLOW_NODE_HOST")).as("KEYFLOW_NODE_HOST unset in this JVM").isNull();
    // docker.conf alone: the failure is the same with the reference configs behind it (whose host
    // defaults to 127.0.0.1), only seconds slower to report.
    assertThatThrownBy(() -> dockerConf().resolve()).hasMessageContaining("KEYFLOW_NODE_HOST");
  }

  @Test
  void theConfiguredPortsAreTheOnesTheImageExposesAndComposePublishes() {
    Config config = nodeConfig("node-1");
    int http = config.getInt("keyflow.node.http-port");
    assertThat(dockerfile.exposedPorts()).as("EXPOSE of docker/Dockerfile = HTTP, remoting and management ports of docker.conf")
        .containsExactlyInAnyOrder(http, config.getInt("keyflow.node.remote-port"), config.getInt("keyflow.node.management-port"));
    List<String> hostPorts = new ArrayList<>();
    nodeServices.forEach((name, service) -> {
      List<String> ports = texts(service.path("ports"));
      assertThat(ports).as("ports of service %s: one HOST:CONTAINER mapping", name).hasSize(1);
      String[] mapping = ports.get(0).split(":");
      assertThat(mapping).as("ports of service %s", name).hasSize(2);
      assertThat(Integer.parseInt(mapping[1])).as("container port published by service %s = keyflow.node.http-port", name)
          .isEqualTo(http);
      hostPorts.add(mapping[0]);
    });
    assertThat(hostPorts).as("host ports of the node services").doesNotHaveDuplicates();
  }

  @Test
  void nodesUseTheCassandraServiceAndTheKeyspaceTheInitStepCreates() throws IOException {
    Config config = nodeConfig("node-1");
    List<String> contactPoints = config.getStringList("keyflow.cassandra.contact-points");
    assertThat(contactPoints).as("keyflow.cassandra.contact-points (empty would start a bundled Cassandra in the container)")
        .isNotEmpty();
    for (String contactPoint : contactPoints) {
      String[] hostPort = contactPoint.split(":");
      JsonNode service = services.path(hostPort[0]);
      assertThat(service.path("image").asText()).as("image of compose service %s, contact point %s", hostPort[0], contactPoint)
          .startsWith("cassandra:");
      assertThat(hostPort).as("contact point %s names the CQL port", contactPoint).hasSize(2);
      assertThat(hostPort[1]).as("CQL port of contact point %s", contactPoint).isEqualTo("9042");
    }
    Matcher keyspace = Pattern.compile("(?i)CREATE KEYSPACE IF NOT EXISTS\\s+(\\w+)")
        .matcher(Files.readString(DOCKER.resolve("keyflow.cql")));
    assertThat(keyspace.find()).as("docker/keyflow.cql creates a keyspace").isTrue();
    assertThat(config.getString("keyflow.cassandra.keyspace"))
        .as("keyflow.cassandra.keyspace = the keyspace of keyflow.cql, which cqlsh applies without renaming it")
        .isEqualTo(keyspace.group(1));
    assertThat(config.getBoolean("keyflow.cassandra.apply-ddl")).as("keyflow.cassandra.apply-ddl (the init step applies it)")
        .isFalse();
  }

  @Test
  void everyNodeServiceStartsOnlyAfterTheInitStepAppliedKeyflowCqlToAHealthyCassandra() {
    nodeServices.forEach((name, service) -> {
      List<String> inits = new ArrayList<>();
      service.path("depends_on").fields().forEachRemaining(dependency -> {
        if (dependency.getValue().path("condition").asText().equals("service_completed_successfully")) {
          inits.add(dependency.getKey());
        }
      });
      assertThat(inits).as("services that %s depends on with condition service_completed_successfully", name).hasSize(1);
      JsonNode init = services.path(inits.get(0));
      String mountedAt = null;
      for (String volume : texts(init.path("volumes"))) {
        String[] parts = volume.split(":");
        if (DOCKER.resolve(parts[0]).normalize().equals(DOCKER.resolve("keyflow.cql"))) {
          mountedAt = parts[1];
        }
      }
      assertThat(mountedAt).as("where init service %s mounts docker/keyflow.cql (volumes %s)", inits.get(0), init.path("volumes"))
          .isNotNull();
      List<String> command = texts(init.path("command"));
      assertThat(command).as("command of init service %s", inits.get(0)).startsWith("cqlsh").containsSequence("-f", mountedAt);
      String cassandra = command.get(1);
      assertThat(services.path(cassandra).path("image").asText()).as("service %s that cqlsh connects to", cassandra)
          .startsWith("cassandra:");
      assertThat(init.path("depends_on").path(cassandra).path("condition").asText())
          .as("init service %s waits for %s to be healthy", inits.get(0), cassandra).isEqualTo("service_healthy");
      assertThat(services.path(cassandra).has("healthcheck")).as("service %s has a healthcheck", cassandra).isTrue();
    });
  }

  @Test
  void threeCassandraServicesStartOneAfterAnotherAndTheKeyspaceReplicatesToEachOfThem() throws IOException {
    Map<String, JsonNode> stores = new LinkedHashMap<>();
    services.fields().forEachRemaining(service -> {
      if (service.getValue().path("image").asText().startsWith("cassandra:") && service.getValue().has("healthcheck")) {
        stores.put(service.getKey(), service.getValue());
      }
    });
    assertThat(stores).as("Cassandra services with a healthcheck").hasSizeGreaterThanOrEqualTo(3);
    // A chain: the first depends on no store, every other on the one before it, healthy.
    List<String> order = new ArrayList<>();
    String next = stores.keySet().stream().filter(name -> stores.keySet().stream()
        .noneMatch(other -> stores.get(name).path("depends_on").has(other))).findFirst().orElseThrow();
    while (next != null) {
      order.add(next);
      String previous = next;
      next = stores.keySet().stream().filter(name -> !order.contains(name)
          && stores.get(name).path("depends_on").path(previous).path("condition").asText().equals("service_healthy"))
          .findFirst().orElse(null);
    }
    assertThat(order).as("the depends_on chain of the Cassandra services").containsExactlyInAnyOrderElementsOf(stores.keySet());
    String last = order.get(order.size() - 1);
    JsonNode init = services.path("cassandra-init");
    assertThat(init.path("depends_on").path(last).path("condition").asText())
        .as("the init step waits for the last Cassandra service, %s", last).isEqualTo("service_healthy");
    assertThat(texts(init.path("command")).get(1)).as("cqlsh of the init step connects to").isIn(stores.keySet());

    Config config = nodeConfig("node-1");
    String datacenter = config.getString("keyflow.cassandra.local-datacenter");
    stores.forEach((name, store) -> {
      Map<String, String> environment = environmentOf(store);
      assertThat(environment.get("CASSANDRA_SEEDS")).as("seeds of %s", name).isEqualTo(hostnameOrName(order.get(0)));
      assertThat(environment.get("CASSANDRA_DC")).as("data centre of %s", name).isEqualTo(datacenter);
      assertThat(environment.get("JVM_EXTRA_OPTS")).as("JVM options of %s", name).contains("commitlog_sync=batch");
      assertThat(config.getStringList("keyflow.cassandra.contact-points")).as("contact points")
          .contains(hostnameOrName(name) + ":9042");
    });

    Matcher replication = Pattern.compile("(?is)CREATE KEYSPACE IF NOT EXISTS\\s+\\w+\\s+WITH REPLICATION\\s*=\\s*\\{([^}]*)}")
        .matcher(Files.readString(DOCKER.resolve("keyflow.cql")));
    assertThat(replication.find()).as("docker/keyflow.cql creates the keyspace with a replication map").isTrue();
    Map<String, String> map = new LinkedHashMap<>();
    Matcher entry = Pattern.compile("'([^']+)'\\s*:\\s*'?([^',\\s]+)'?").matcher(replication.group(1));
    while (entry.find()) {
      map.put(entry.group(1), entry.group(2));
    }
    assertThat(map).as("replication of docker/keyflow.cql")
        .containsEntry("class", "NetworkTopologyStrategy").containsEntry(datacenter, Integer.toString(stores.size()));
    // The init step creates it with cqlsh, so the node's rules never see it: check them here.
    ReplicationRules.checkCreate("keyflow", new KeyspaceReplication(map.get("class"), datacenter,
        Integer.parseInt(map.get(datacenter)), false), stores.size());
  }

  private static String hostnameOrName(String service) {
    return services.path(service).path("hostname").asText(service);
  }

  @Test
  void theImageStartsTheNodeWithDockerConfAsARegularUser() throws IOException {
    List<String> entrypoint = dockerfile.entrypoint();
    String clusterConfig = dockerfile.destinationOf("cluster-config");
    assertThat(entrypoint).as("ENTRYPOINT of docker/Dockerfile")
        .startsWith("java")
        .contains("-Dconfig.file=" + clusterConfig + "/docker.conf")
        .endsWith("io.keyflow.node.Main");
    String classpath = entrypoint.get(entrypoint.indexOf("-cp") + 1);
    assertThat(classpath.split(":")).as("classpath of the ENTRYPOINT: the node's runtime libraries and jar")
        .containsExactly(dockerfile.destinationOf("/src/node/target/lib") + "/*",
            dockerfile.destinationOf("/src/node/target/keyflow-node.jar"));
    assertThat(dockerfile.user()).as("USER of the image").isNotIn("root", "0", "0:0");
  }

  @Test
  void theAutoscalerScalesTheNodeStatefulSetOnTheLoadSignal() throws IOException {
    JsonNode hpa = YAML.readTree(DOCKER.resolve("hpa.yaml").toFile());
    assertThat(hpa.path("apiVersion").asText()).isEqualTo("autoscaling/v2");
    assertThat(hpa.path("kind").asText()).isEqualTo("HorizontalPodAutoscaler");
    JsonNode spec = hpa.path("spec");
    assertThat(spec.path("scaleTargetRef").path("kind").asText()).as("scale target").isEqualTo("StatefulSet");
    assertThat(spec.path("minReplicas").asInt()).as("minReplicas").isEqualTo(3);
    assertThat(spec.path("maxReplicas").asInt()).as("maxReplicas").isEqualTo(10);
    JsonNode metric = spec.path("metrics").path(0);
    assertThat(metric.path("type").asText()).as("metric type").isEqualTo("Pods");
    assertThat(metric.path("pods").path("metric").path("name").asText()).as("metric name").isEqualTo("keyflow_load_signal");
    assertThat(metric.path("pods").path("target").path("averageValue").asText()).as("target average value").isEqualTo("0.7");
    assertThat(spec.path("behavior").path("scaleDown").path("stabilizationWindowSeconds").asInt())
        .as("scale-down stabilization window (s)").isPositive();
  }
}
