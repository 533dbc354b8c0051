package io.keyflow.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.util.Arrays;
import java.util.List;

/**
 * Loads a node's configuration: system properties, then the application config
 * ({@code -Dconfig.file=cluster-config/node-1.conf}), then {@code keyflow-defaults.conf} (Keyflow's
 * settings of Pekko and its plugins), then every library's reference.conf — resolved together, so
 * {@code keyflow.*} values set by a deployment flow into the Pekko settings derived from them.
 */
public final class NodeConfig {

  private NodeConfig() {}

  public static Config load() {
    ConfigFactory.invalidateCaches();
    return load(ConfigFactory.defaultOverrides().withFallback(ConfigFactory.defaultApplication()));
  }

  /** {@code application} (unresolved) over Keyflow's defaults and the reference configs, resolved. */
  static Config load(Config application) {
    Config config = application
        .withFallback(ConfigFactory.parseResources(NodeConfig.class.getClassLoader(), "keyflow-defaults.conf"))
        .withFallback(ConfigFactory.defaultReferenceUnresolved())
        .resolve();
    return withJoinSeeds(config);
  }

  /** {@code keyflow.node.join-seeds}, when set, replaces the configured seed nodes. */
  static Config withJoinSeeds(Config config) {
    String seeds = config.getString("keyflow.node.join-seeds").strip();
    if (seeds.isEmpty()) {
      return config;
    }
    List<String> list = Arrays.stream(seeds.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    return config.withValue("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(list));
  }
}
