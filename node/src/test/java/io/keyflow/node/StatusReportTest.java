package io.keyflow.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusReportTest {

  private static final String A = "pekko://keyflow@127.0.0.2:25520";
  private static final String B = "pekko://keyflow@127.0.0.3:25520";

  private static JsonNode cluster(boolean balanced, int placed, int misplaced, boolean bReachable) throws Exception {
    return new ObjectMapper().readTree("""
        {"self":"%s","balanced":%s,
         "members":[{"address":"%s","status":"Up","reachable":true,"leader":true},
                    {"address":"%s","status":"Up","reachable":%s,"leader":false}],
         "pipelines":[
           {"pipeline":"clicks","stage":"main","key_groups":4,"placed":%d,"misplaced":%d,
            "key_groups_per_member":{"%s":2,"%s":%d}},
           {"pipeline":"orders","stage":"main","key_groups":2,"placed":2,"misplaced":0,
            "key_groups_per_member":{"%s":2}}]}
        """.formatted(A, balanced, A, B, bReachable, placed, misplaced, A, B, placed - 2, B));
  }

  private static final List<StatusReport.Process> PROCESSES = List.of(
      StatusReport.Process.parse("cassandra:100:true:127.0.0.1:9042"),
      StatusReport.Process.parse("node-1:200:true:http://127.0.0.2:8080"),
      StatusReport.Process.parse("node-2:300:false:http://127.0.0.3:8080"),
      StatusReport.Process.parse("autoscaler:400:true"));

  @Test
  void aSettledClusterListsItsMembersWithTheirKeyGroupsOverAllPipelines() throws Exception {
    String screen = StatusReport.render(PROCESSES, "http://127.0.0.2:8080", cluster(true, 4, 0, true));
    assertThat(screen)
        .contains("  cassandra    pid 100      running  127.0.0.1:9042\n")
        .contains("  node-2       pid 300      gone     http://127.0.0.3:8080\n")
        .contains("  autoscaler   pid 400      running\n")
        .contains("cluster (as http://127.0.0.2:8080 sees it)")
        // A holds 2 of clicks; B holds 2 of clicks and 2 of orders.
        .containsPattern("127\\.0\\.0\\.2:25520 +Up +yes +yes +2\n")
        .containsPattern("127\\.0\\.0\\.3:25520 +Up +yes +4\n")
        .contains("  clicks/main: 4 / 4 placed, 0 misplaced")
        .contains("placement: settled (every key group on its rendezvous owner)");
  }

  @Test
  void keyGroupsInHandOffOrOffTheirOwnerAndUnreachableMembersAreShown() throws Exception {
    String screen = StatusReport.render(PROCESSES, "http://127.0.0.2:8080", cluster(false, 3, 1, false));
    assertThat(screen)
        .containsPattern("127\\.0\\.0\\.3:25520 +Up +NO +3\n")
        .contains("  clicks/main: 3 / 4 placed, 1 misplaced")
        .contains("placement: MOVING (5 of 6 key groups placed, 1 not on their rendezvous owner)");
  }

  @Test
  void withoutAClusterOnlyTheProcessesAreShown() {
    assertThat(StatusReport.render(List.of(), null, null)).isEqualTo("processes\n  none started by bin/keyflow\n");
  }

  @Test
  void aMalformedProcessSpecIsRefused() {
    assertThatThrownBy(() -> StatusReport.Process.parse("node-1")).hasMessageContaining("name:pid:alive");
    assertThat(StatusReport.run(List.of("node-1"))).isEqualTo(2);
  }

  @Test
  void noNodeToAskMeansExitOne() {
    assertThat(StatusReport.run(List.of("--nodes", "", "node-1:1:false:http://127.0.0.2:8080"))).isEqualTo(1);
  }
}
