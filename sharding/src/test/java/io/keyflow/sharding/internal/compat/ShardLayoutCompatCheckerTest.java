package io.keyflow.sharding.internal.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.cluster.Invalid;
import org.apache.pekko.cluster.JoinConfigCompatChecker;
import org.apache.pekko.cluster.Valid$;
import org.junit.jupiter.api.Test;

class ShardLayoutCompatCheckerTest {

  private static Config layout(int keyGroupsPerShard) {
    return ConfigFactory.parseString("keyflow.sharding.key-groups-per-shard = " + keyGroupsPerShard);
  }

  @Test
  void theSameLayoutJoins() {
    assertEquals(Valid$.MODULE$, new ShardLayoutCompatChecker().check(layout(4), layout(4)));
  }

  @Test
  void anotherLayoutIsRefusedAndNamed() {
    var result = new ShardLayoutCompatChecker().check(layout(2), layout(4));
    Invalid invalid = assertInstanceOf(Invalid.class, result);
    assertEquals("keyflow.sharding.key-groups-per-shard is incompatible", invalid.errorMessages().head());
  }

  @Test
  void isRegisteredWithPekko() {
    Config config = ConfigFactory.load();
    assertEquals(ShardLayoutCompatChecker.class.getName(),
        config.getString("pekko.cluster.configuration-compatibility-check.checkers.keyflow-shard-layout"));
    assertInstanceOf(JoinConfigCompatChecker.class, new ShardLayoutCompatChecker());
  }
}
