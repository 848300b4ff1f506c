package dev.prequel;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package map CONTRIBUTING.md draws stays true: packages form layers without loops (a loop
 * makes every package in it move together), and the runtimes know nothing of the web, the proxy or
 * the interview lifecycle, so that a new runtime is written against {@code WorkspaceRuntime} alone.
 */
class PackageMapTest {

  private static JavaClasses prequel;

  @BeforeAll
  static void importMainClasses() {
    prequel =
        // Prequel's compiled classes only: scanning every library jar for the package took 15 s.
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPath(Path.of("target", "classes"));
  }

  @Test
  void noPackagesDependOnEachOtherInALoop() {
    slices().matching("dev.prequel.(*)..").should().beFreeOfCycles().check(prequel);
  }

  @Test
  void runtimesKnowNothingOfTheWebTheProxyOrTheLifecycle() {
    noClasses()
        .that()
        .resideInAPackage("dev.prequel.runtime..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.prequel.web..",
            "dev.prequel.proxy..",
            "dev.prequel.interview..",
            "dev.prequel.schedule..",
            "dev.prequel.store..")
        .check(prequel);
  }

  @Test
  void theConfigurationNamesNoRuntimesInsides() {
    noClasses()
        .that()
        .haveFullyQualifiedName(Config.class.getName())
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.prequel.runtime.(*)..")
        .check(prequel);
  }
}
