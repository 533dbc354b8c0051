package io.keyflow.pipeline;

/**
 * A built-in aggregation over the records of a window: {@code count}, or {@code sum / min / max /
 * avg} of a numeric field. {@code name} is how the value appears in results.
 */
public record Aggregation(String name, Function fn, String field) {

  /** The built-in aggregate functions. */
  public enum Function {
    COUNT, SUM, MIN, MAX, AVG;

    /** Whether the function reads a field of the record. */
    public boolean needsField() {
      return this != COUNT;
    }
  }

  public Aggregation {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("aggregation name must not be empty");
    }
    if (fn == null) {
      throw new IllegalArgumentException("aggregation " + name + " has no fn");
    }
    if (fn.needsField() && (field == null || field.isBlank())) {
      throw new IllegalArgumentException("aggregation " + name + " (" + fn.name().toLowerCase() + ") needs a field");
    }
    if (!fn.needsField()) {
      field = null;
    }
  }

  public static Aggregation count(String name) {
    return new Aggregation(name, Function.COUNT, null);
  }

  public static Aggregation of(String name, Function fn, String field) {
    return new Aggregation(name, fn, field);
  }
}
