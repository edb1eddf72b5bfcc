package io.communica.examples.local;

import java.util.ArrayList;
import java.util.List;

/** The command line that runs a main class of this class path in a child JVM. */
final class Java {

  /**
   * Lets the child load Netty's and junixsocket's native libraries without the warning Java 22
   * and later print for each; Java 17, the oldest this project runs on, accepts the option too.
   */
  static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";

  private Java() {}

  static List<String> command(Class<?> main, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-Xmx128m");
    cmd.add(NATIVE_ACCESS);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(main.getName());
    cmd.addAll(List.of(args));
    return cmd;
  }
}
