package io.keyflow.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

class NodeConfigTest {

  private static Config config(String joinSeeds) {
    return ConfigFactory.parseString("""
        keyflow.node.join-seeds = "%s"
        pekko.cluster.seed-nodes = ["pekko://keyflow@127.0.0.2:25520", "pekko://keyflow@127.0.0.3:25520"]
        """.formatted(joinSeeds));
  }

  @Test
  void aJoiningNodeListsOnlyTheGivenSeedsSoItCannotFormAClusterOfItsOwn() {
    Config joined = NodeConfig.withJoinSeeds(config(" pekko://keyflow@127.0.0.3:25520 , pekko://keyflow@127.0.0.4:25520 "));
    assertThat(joined.getStringList("pekko.cluster.seed-nodes"))
        .containsExactly("pekko://keyflow@127.0.0.3:25520", "pekko://keyflow@127.0.0.4:25520");
  }

  @Test
  void withoutJoinSeedsTheConfiguredSeedsStay() {
    assertThat(NodeConfig.withJoinSeeds(config("")).getStringList("pekko.cluster.seed-nodes"))
        .containsExactly("pekko://keyflow@127.0.0.2:25520", "pekko://keyflow@127.0.0.3:25520");
  }
}
