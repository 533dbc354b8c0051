package io.keyflow.node;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The module and package rules of docs/ARCHITECTURE.md, checked on the main classes of the four
 * modules of a node (load-tests has its own, {@code LoadTestsArchitectureTest}).
 *
 * <p>A module is its root packages: pipeline ({@code io.keyflow.pipeline}, with the example
 * pipelines in {@code io.keyflow.examples}), persistence, sharding and node. Its {@code internal}
 * packages are for its own classes only; everything another module may use lives outside them.
 */
@AnalyzeClasses(
    packages = "io.keyflow",
    importOptions = {ImportOption.DoNotIncludeTests.class, ArchitectureTest.NoTestJars.class})
class ArchitectureTest {

  /** Main classes only: the modules' test jars (persistence's, on node's test class path) are not. */
  static final class NoTestJars implements ImportOption {
    @Override
    public boolean includes(Location location) {
      return !location.contains("-tests.jar");
    }
  }

  @ArchTest
  static final ArchRule modulesDependOnlyOnTheOnesBelow = layeredArchitecture()
      .consideringOnlyDependenciesInLayers()
      .layer("pipeline").definedBy("io.keyflow.pipeline..", "io.keyflow.examples..")
      .layer("persistence").definedBy("io.keyflow.persistence..")
      .layer("sharding").definedBy("io.keyflow.sharding..")
      .layer("node").definedBy("io.keyflow.node..")
      .whereLayer("node").mayNotBeAccessedByAnyLayer()
      .whereLayer("sharding").mayOnlyBeAccessedByLayers("node")
      .whereLayer("persistence").mayOnlyBeAccessedByLayers("sharding", "node");

  @ArchTest
  static final ArchRule pipelineInternalsStayInPipeline =
      internalsOnlyFrom("io.keyflow.pipeline", "io.keyflow.pipeline..", "io.keyflow.examples..");

  @ArchTest
  static final ArchRule persistenceInternalsStayInPersistence =
      internalsOnlyFrom("io.keyflow.persistence", "io.keyflow.persistence..");

  @ArchTest
  static final ArchRule shardingInternalsStayInSharding =
      internalsOnlyFrom("io.keyflow.sharding", "io.keyflow.sharding..");

  @ArchTest
  static final ArchRule nodeInternalsStayInNode =
      internalsOnlyFrom("io.keyflow.node", "io.keyflow.node..");

  /** No two packages depend on each other, directly or through others. */
  @ArchTest
  static final ArchRule noPackageCycles = slices().matching("io.keyflow.(**)").should().beFreeOfCycles();

  private static ArchRule internalsOnlyFrom(String root, String... module) {
    return noClasses()
        .that(not(resideInAnyPackage(module)))
        .should().dependOnClassesThat(resideInAPackage(root + ".internal.."))
        .allowEmptyShould(true)
        .because(root + ".internal is that module's own; other modules use its public packages");
  }
}
