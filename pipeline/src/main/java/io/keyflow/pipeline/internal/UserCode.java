package io.keyflow.pipeline.internal;

import io.keyflow.pipeline.engine.StageState;
import io.keyflow.pipeline.StateCodec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How the operators treat what user code gives back: a throw is contained and counted in the state
 * (so one bad record cannot stop a key group that replays it after every restart), and an emitted
 * value becomes result values. Shared by the window and process operators, which both call user code.
 */
public final class UserCode {

  private UserCode() {}

  /** Records that a user-function call threw: the record or timer was skipped. */
  public static void functionFailed(StageState state, String where, Throwable e) {
    state.functionErrors++;
    String message = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    state.lastFunctionError = where + ": " + message;
  }

  /** A user output as result values: a record or map as its fields, anything else as {@code value}. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> valuesOf(Object output) {
    Object tree = StateCodec.encode(output);
    if (tree instanceof Map<?, ?> map) {
      return (Map<String, Object>) map;
    }
    Map<String, Object> single = new LinkedHashMap<>();
    single.put("value", tree);
    return single;
  }
}
