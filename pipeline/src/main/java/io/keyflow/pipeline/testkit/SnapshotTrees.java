package io.keyflow.pipeline.testkit;

import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.pipeline.engine.StageState;
import io.keyflow.pipeline.StateCodec;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link PipelineTestHarness.Snapshot}'s content: every key group's {@link StageState} of every stage
 * as {@link StateCodec} neutral trees, fully detached from the harness as a persisted snapshot is, and
 * checked against the pipeline's shape when it is restored.
 */
final class SnapshotTrees {

  private SnapshotTrees() {}

  /** Stage → key group → neutral tree of its state. */
  static List<List<Object>> encode(StageState[][] states) {
    List<List<Object>> trees = new ArrayList<>(states.length);
    for (StageState[] stage : states) {
      List<Object> groups = new ArrayList<>(stage.length);
      for (StageState s : stage) {
        groups.add(StateCodec.encode(s));
      }
      trees.add(groups);
    }
    return trees;
  }

  /** The states {@link #encode} wrote, refused when their stages or key groups do not match {@code stages}. */
  static StageState[][] decode(List<PipelineDefinition> stages, List<List<Object>> trees) {
    if (trees.size() != stages.size()) {
      throw new IllegalArgumentException("the snapshot has " + trees.size() + " stages, the pipeline "
          + stages.size());
    }
    StageState[][] states = new StageState[stages.size()][];
    for (int s = 0; s < stages.size(); s++) {
      List<Object> groups = trees.get(s);
      if (groups.size() != stages.get(s).maxKeyGroups()) {
        throw new IllegalArgumentException("the snapshot of stage " + stages.get(s).stage() + " has " + groups.size()
            + " key groups, the pipeline " + stages.get(s).maxKeyGroups());
      }
      states[s] = new StageState[groups.size()];
      for (int g = 0; g < groups.size(); g++) {
        states[s][g] = StateCodec.decode(StateCodec.neutral(groups.get(g)), StageState.class);
      }
    }
    return states;
  }
}
