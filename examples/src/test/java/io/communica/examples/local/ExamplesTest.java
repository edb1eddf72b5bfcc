package io.communica.examples.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The examples run and print what they promise. */
class ExamplesTest {

  private static String run(ThrowingRunnable main) throws Exception {
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      main.run();
    } finally {
      System.setOut(old);
    }
    String s = out.toString(StandardCharsets.UTF_8);
    old.print(s);
    return s;
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  void localParentAndThreeChildren() throws Exception {
    String out = run(() -> LocalParentExample.main(new String[0]));
    for (int i = 1; i <= 3; i++) {
      assertThat(out).contains("parent collected: child-" + i + " got: parent says hello to child-" + i);
      assertThat(out).containsPattern("child-" + i + " answered pid \\d+; credentials PeerCredentials\\[pid=\\d+");
    }
    assertThat(out).doesNotContain("exited with 1");
  }

  @Test
  void stdioParentAndChild() throws Exception {
    String out = run(() -> StdioParentExample.main(new String[0]));
    assertThat(out).contains("parent got: ALPHA from pid");
    assertThat(out).contains("child stderr: the parent's answer to 'what is the plan?'");
    assertThat(out).contains("child exited with 0");
  }

  @Test
  void sharedMemoryParentAndChild() throws Exception {
    String out = run(() -> io.communica.examples.shm.ShmParentExample.main(new String[0]));
    assertThat(out).contains("parent collected: shm-child got: parent says hello to shm-child");
    assertThat(out).containsPattern("shm-child answered pid \\d+; credentials PeerCredentials\\[pid=\\d+");
    assertThat(out).contains("1000 round trips");
    assertThat(out).containsPattern("child pid \\d+ exited with 0");
  }

  @Test
  void telemetryOverUdp() throws Exception {
    String out = run(() -> io.communica.examples.udp.TelemetryReceiverExample.main(new String[0]));
    assertThat(out).containsPattern("sender: fired 1000 readings; the receiver has \\d+");
    assertThat(out).contains("sender exited with 0");
  }

  @Test
  void workerDrivesAForeignProgram() throws Exception {
    String out = run(() -> WorkerExample.main(new String[0]));
    assertThat(out).contains("worker answered: three (run 2)");
    assertThat(out).contains("worker running: false, exit code 0");
  }
}
