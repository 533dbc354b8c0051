package io.keyflow.pipeline;

import java.util.ArrayList;
import java.util.List;

/**
 * The built-in aggregations, chained: {@code Aggregations.count("n").sum("amount", "amount")}. Each
 * names its result value; numeric fields must be present and numeric in every event (else 400).
 * The same functions HOCON pipelines declare under {@code aggregations}.
 */
public final class Aggregations {

  private final List<Aggregation> list;

  private Aggregations(List<Aggregation> list) {
    this.list = List.copyOf(list);
  }

  /** Starts with a count named {@code name}: {@code Aggregations.count("n").sum("total", "amount")}. */
  public static Aggregations count(String name) {
    return none().andCount(name);
  }

  /** Starts empty: {@code Aggregations.none().max("top", "score")}. */
  public static Aggregations none() {
    return new Aggregations(List.of());
  }

  /** Adds the number of records, named {@code name}. */
  public Aggregations andCount(String name) {
    return with(Aggregation.count(name));
  }

  /** Adds the sum of numeric {@code field}, named {@code name} (exact for integers). */
  public Aggregations sum(String name, String field) {
    return with(Aggregation.of(name, Aggregation.Function.SUM, field));
  }

  /** Adds the minimum of numeric {@code field}, named {@code name}. */
  public Aggregations min(String name, String field) {
    return with(Aggregation.of(name, Aggregation.Function.MIN, field));
  }

  /** Adds the maximum of numeric {@code field}, named {@code name}. */
  public Aggregations max(String name, String field) {
    return with(Aggregation.of(name, Aggregation.Function.MAX, field));
  }

  /** Adds the mean of numeric {@code field} as a double, named {@code name}. */
  public Aggregations avg(String name, String field) {
    return with(Aggregation.of(name, Aggregation.Function.AVG, field));
  }

  private Aggregations with(Aggregation a) {
    List<Aggregation> more = new ArrayList<>(list);
    more.add(a);
    return new Aggregations(more);
  }

  /** The aggregations in result order. */
  public List<Aggregation> toList() {
    return list;
  }
}
