package io.keyflow.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

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
    return ConfigFactory.defaultOverrides()
        .withFallback(ConfigFactory.defaultApplication())
        .withFallback(ConfigFactory.parseResources(NodeConfig.class.getClassLoader(), "keyflow-defaults.conf"))
        .withFallback(ConfigFactory.defaultReferenceUnresolved())
        .resolve();
  }
}
