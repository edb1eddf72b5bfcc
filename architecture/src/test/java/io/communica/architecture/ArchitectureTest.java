package io.communica.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import io.communica.architecture.fixture.UsesCoreInternals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The module rules, over the compiled classes of every module the root pom lists, main and test
 * alike (examples and benchmarks included): a module found in the pom but not compiled fails the
 * test rather than passing it unread.
 *
 * <ul>
 *   <li>Only communica-core uses {@code io.communica.core.internal..}: transports, serializers and
 *       tools use core's public packages (entities, {@code transport}, {@code frame}), so core can
 *       change its internals without breaking them.
 *   <li>Core's packages form no cycle, so that each can be read and changed with only those below
 *       it in mind; the one exception is the public entities calling their implementation (see
 *       {@link #NO_PACKAGE_CYCLES}).
 * </ul>
 *
 * <p>The rules live here, in a module that sees every other one, rather than in communica-test:
 * examples and benchmarks do not depend on communica-test, and users of communica-test should not
 * get ArchUnit with it.
 */
class ArchitectureTest {

  static final String CORE = "communica-core";
  static final String THIS = "architecture";

  static final ArchRule NO_CORE_INTERNALS =
      noClasses()
          .should()
          .dependOnClassesThat()
          .resideInAPackage("io.communica.core.internal..")
          .because("only communica-core may use its internal packages");

  /**
   * One edge is left out: the public entities ({@code io.communica.core}) call into their
   * implementation ({@code io.communica.core.internal}, the entry package of the internals), which
   * uses the public types they are made of (handlers, exceptions, serializers, connectors). That
   * pair is the facade and what is behind it; any other cycle, through the SPI packages or the
   * session's packages, fails.
   */
  static final ArchRule NO_PACKAGE_CYCLES =
      slices()
          .matching("io.communica.(**)")
          .should()
          .beFreeOfCycles()
          .ignoreDependency(
              resideInAPackage("io.communica.core"), resideInAPackage("io.communica.core.internal"))
          .because("core's packages form no cycle (besides the entities calling their internals)");

  @Test
  void noModuleButCoreUsesCoreInternals() throws IOException {
    List<String> modules = modules();
    assertThat(modules).contains(CORE, "examples", "benchmarks");
    List<String> violations = new ArrayList<>();
    for (String module : modules) {
      if (module.equals(CORE) || module.equals(THIS)) {
        continue;
      }
      EvaluationResult result = NO_CORE_INTERNALS.evaluate(classesOf(module));
      if (result.hasViolation()) {
        violations.add(module + ":\n" + String.join("\n", result.getFailureReport().getDetails()));
      }
    }
    assertThat(violations).as("modules that use io.communica.core.internal").isEmpty();
  }

  @Test
  void coresPackagesFormNoCycle() {
    NO_PACKAGE_CYCLES.check(
        new ClassFileImporter().importPath(root().resolve(CORE).resolve("target/classes")));
  }

  // ---------------------------------------------------------------- the rules can fail

  @Test
  void aPlantedImportOfCoreInternalsFails() {
    JavaClasses planted = new ClassFileImporter().importClasses(UsesCoreInternals.class);
    assertThatThrownBy(() -> NO_CORE_INTERNALS.check(planted))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("only communica-core may use its internal packages")
        .hasMessageContaining(UsesCoreInternals.class.getName())
        .hasMessageContaining("io.communica.core.internal.planted.PlantedInternal");
  }

  @Test
  void aPlantedPackageCycleFails() {
    JavaClasses planted =
        new ClassFileImporter().importPackages("io.communica.architecture.fixture.cycle");
    assertThat(planted).hasSize(2);
    assertThatThrownBy(() -> NO_PACKAGE_CYCLES.check(planted))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Cycle detected");
  }

  // ---------------------------------------------------------------- reading the modules

  /** The project's root: where this module's parent pom is. */
  static Path root() {
    Path here = Path.of("").toAbsolutePath();
    return Files.exists(here.resolve(THIS)) ? here : here.getParent();
  }

  /** The modules with code that the root pom lists, in its order (a BOM has none). */
  static List<String> modules() throws IOException {
    String pom = Files.readString(root().resolve("pom.xml"));
    Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(pom);
    List<String> modules = new ArrayList<>();
    while (m.find()) {
      String module = m.group(1).trim();
      String own = Files.readString(root().resolve(module).resolve("pom.xml"));
      if (!own.contains("<packaging>pom</packaging>")) {
        modules.add(module);
      }
    }
    return modules;
  }

  /** A module's main and test classes; fails when it has not been compiled. */
  static JavaClasses classesOf(String module) throws IOException {
    Path target = root().resolve(module).resolve("target");
    List<Path> dirs = new ArrayList<>();
    for (String dir : List.of("classes", "test-classes")) {
      Path p = target.resolve(dir);
      if (Files.isDirectory(p)) {
        dirs.add(p);
      }
    }
    try (Stream<Path> files =
        dirs.isEmpty() ? Stream.empty() : dirs.stream().flatMap(ArchitectureTest::walk)) {
      assertThat(files.anyMatch(f -> f.toString().endsWith(".class")))
          .as("compiled classes of module %s under %s (build it with -am)", module, target)
          .isTrue();
    }
    return new ClassFileImporter().importPaths(dirs);
  }

  private static Stream<Path> walk(Path dir) {
    try {
      return Files.walk(dir);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
