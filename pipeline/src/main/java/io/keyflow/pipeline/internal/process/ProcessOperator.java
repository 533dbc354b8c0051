package io.keyflow.pipeline.internal.process;

import io.keyflow.pipeline.engine.KeyState;
import io.keyflow.pipeline.Collector;
import io.keyflow.pipeline.KeyedProcessFunction;
import io.keyflow.pipeline.OutputTag;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.StateDescriptor;
import io.keyflow.pipeline.StateTtlConfig;
import io.keyflow.pipeline.TimeDomain;
import io.keyflow.pipeline.TimerService;
import io.keyflow.pipeline.WindowResult;
import io.keyflow.pipeline.engine.Output;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.pipeline.engine.StageOperator;
import io.keyflow.pipeline.engine.StageState;
import io.keyflow.pipeline.internal.UserCode;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The core of a windowless keyed stage running a {@link KeyedProcessFunction}: every record goes to
 * {@code processElement} with its key's state in scope; event-time timers fire as the watermark
 * passes them, processing-time timers as the (journaled) processing time does, in (time, key) order.
 * Keyed state and timers live in {@link StageState}; the function instance is this operator's own copy.
 */
public final class ProcessOperator extends StageOperator {

  @SuppressWarnings("rawtypes")
  private final KeyedProcessFunction function;

  /** What the function is looking at while it runs: set before every call, cleared after. */
  private StageState current;
  private String currentKey;
  private long currentTimestamp;
  private TimeDomain currentDomain;
  private List<Output> currentOutputs;

  private final Ctx ctx = new Ctx();
  private final KeyedStateHandles.Scope scope = new CurrentKey();

  public ProcessOperator(PipelineDefinition definition, int keyGroup) {
    super(definition);
    KeyedProcessFunction<?> prototype = definition.functions().process();
    this.function = FunctionCopies.copy(prototype);
    try {
      function.open(new OpenContext(definition.name(), keyGroup, scope));
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("open() of " + prototype.getClass().getName() + " failed: " + e, e);
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  protected void applyBatch(StageState state, List<Record> batch, List<Output> outputs) {
    for (Record record : batch) {
      state.recordsApplied++;
      if (record.ts() > state.maxTimestamp) {
        state.maxTimestamp = record.ts();
      }
      enter(state, record.key(), record.ts(), null, outputs);
      try {
        function.processElement(record, ctx, ctx);
      } catch (Exception e) {
        UserCode.functionFailed(state, "processElement of key " + record.key(), e);
      } finally {
        leave();
      }
    }
    advanceWatermarkFromData(state, outputs);
  }

  @Override
  protected void fireEventTime(StageState state, List<Output> outputs) {
    fireTimers(state, state.timers, state.watermark, TimeDomain.EVENT_TIME, outputs);
  }

  @Override
  protected void fireProcessingTime(StageState state, long now, List<Output> outputs) {
    fireTimers(state, state.processingTimers, now, TimeDomain.PROCESSING_TIME, outputs);
  }

  @Override
  protected boolean processingTimersDue(StageState state, long now) {
    return !state.processingTimers.isEmpty() && state.processingTimers.firstKey() <= now;
  }

  @SuppressWarnings("unchecked")
  private void fireTimers(StageState state, TreeMap<Long, TreeSet<String>> timers, long upTo, TimeDomain domain,
      List<Output> outputs) {
    // One timer at a time: a timer registered by onTimer at a time already passed fires in this loop too.
    while (!timers.isEmpty() && timers.firstKey() <= upTo) {
      var entry = timers.firstEntry();
      long time = entry.getKey();
      String key = entry.getValue().pollFirst();
      if (entry.getValue().isEmpty()) {
        timers.remove(time);
      }
      enter(state, key, time, domain, outputs);
      try {
        function.onTimer(time, ctx, ctx);
      } catch (Exception e) {
        UserCode.functionFailed(state, "onTimer(" + time + ") of key " + key, e);
      } finally {
        leave();
      }
    }
  }

  private void enter(StageState state, String key, long timestamp, TimeDomain domain, List<Output> outputs) {
    current = state;
    currentKey = key;
    currentTimestamp = timestamp;
    currentDomain = domain;
    currentOutputs = outputs;
  }

  private void leave() {
    KeyState ks = current.keyed.get(currentKey);
    if (ks != null && ks.holdsNothing()) {
      current.keyed.remove(currentKey);
    }
    current = null;
    currentKey = null;
    currentOutputs = null;
  }

  @Override
  public KeyView queryKey(StageState state, String key) {
    KeyState ks = state.keyed.get(key);
    return new KeyView(List.of(), ks == null ? new TreeMap<>() : ks.view(state.processingTime));
  }

  /** The key in scope for the state handles: the one the function is running for. */
  private final class CurrentKey implements KeyedStateHandles.Scope {

    @Override
    public KeyState keyState(boolean create) {
      if (current == null) {
        throw new IllegalStateException("keyed state is only available inside processElement and onTimer");
      }
      KeyState ks = current.keyed.get(currentKey);
      if (ks == null && create) {
        ks = new KeyState();
        current.keyed.put(currentKey, ks);
      }
      return ks;
    }

    @Override
    public long now() {
      return current.processingTime;
    }

    @Override
    public long expiryOf(StateDescriptor d) {
      StateTtlConfig ttl = d.ttl();
      if (ttl == null) {
        return Long.MAX_VALUE;
      }
      long base = Math.max(0, now());
      return base > Long.MAX_VALUE - ttl.ttlMillis() ? Long.MAX_VALUE - 1 : base + ttl.ttlMillis();
    }
  }

  /** The context of {@code processElement} and {@code onTimer}, its timer service and collector. */
  @SuppressWarnings("rawtypes")
  private final class Ctx implements KeyedProcessFunction.OnTimerContext, TimerService, Collector {

    @Override
    public long timestamp() {
      return currentTimestamp;
    }

    @Override
    public String getCurrentKey() {
      return currentKey;
    }

    @Override
    public TimerService timerService() {
      return this;
    }

    @Override
    public TimeDomain timeDomain() {
      return currentDomain;
    }

    @Override
    public <X> void output(OutputTag<X> tag, X value) {
      emit(value, tag.name());
    }

    @Override
    public void collect(Object value) {
      emit(value, null);
    }

    private void emit(Object value, String tag) {
      if (current == null) {
        throw new IllegalStateException("outputs are only accepted inside processElement and onTimer");
      }
      current.outputSeq++;
      currentOutputs.add(new Output(current.outputSeq,
          new WindowResult(currentKey, currentTimestamp, currentTimestamp, UserCode.valuesOf(value)), null, tag));
    }

    @Override
    public long currentProcessingTime() {
      return current.processingTime;
    }

    @Override
    public long currentWatermark() {
      return current.watermark;
    }

    @Override
    public void registerEventTimeTimer(long time) {
      current.timers.computeIfAbsent(time, t -> new TreeSet<>()).add(currentKey);
    }

    @Override
    public void registerProcessingTimeTimer(long time) {
      current.processingTimers.computeIfAbsent(time, t -> new TreeSet<>()).add(currentKey);
    }

    @Override
    public void deleteEventTimeTimer(long time) {
      delete(current.timers, time);
    }

    @Override
    public void deleteProcessingTimeTimer(long time) {
      delete(current.processingTimers, time);
    }

    private void delete(TreeMap<Long, TreeSet<String>> timers, long time) {
      TreeSet<String> keys = timers.get(time);
      if (keys != null && keys.remove(currentKey) && keys.isEmpty()) {
        timers.remove(time);
      }
    }
  }
}
