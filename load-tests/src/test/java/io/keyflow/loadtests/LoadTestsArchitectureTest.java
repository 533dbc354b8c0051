package io.keyflow.loadtests;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * load-tests drives Keyflow from outside: over HTTP and through the pipeline module's public API
 * only (the user API, its test harness and the example pipelines), as a user's code would
 * (docs/ARCHITECTURE.md).
 */
@AnalyzeClasses(packages = "io.keyflow.loadtests", importOptions = ImportOption.DoNotIncludeTests.class)
class LoadTestsArchitectureTest {

  @ArchTest
  static final ArchRule onlyThePublicPipelineApi = noClasses()
      .that().resideInAPackage("io.keyflow.loadtests..")
      .should().dependOnClassesThat(resideInAPackage("io.keyflow..")
          .and(not(resideInAnyPackage("io.keyflow.loadtests..", "io.keyflow.pipeline",
              "io.keyflow.pipeline.testkit..", "io.keyflow.examples.."))));

  @ArchTest
  static final ArchRule noPackageCycles =
      slices().matching("io.keyflow.loadtests.(**)").should().beFreeOfCycles();
}
