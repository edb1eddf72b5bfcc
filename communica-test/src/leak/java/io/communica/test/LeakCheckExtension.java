package io.communica.test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reports a leaked buffer during it, whichever allocator made it (a
 * transport's own read buffers included). Register it for every test class through JUnit's
 * extension auto-detection: list {@code io.communica.test.LeakCheckExtension} in the test
 * resources' {@code META-INF/services/org.junit.jupiter.api.extension.Extension} and set {@code
 * junit.jupiter.extensions.autodetection.enabled=true}; run tests with {@code
 * -Dio.netty.leakDetection.level=paranoid}, so that every buffer is tracked. Leaks are found when
 * a garbage-collected buffer was never released; the check runs the collector and allocates to let
 * the detector look. For a check that does not wait for the collector, see {@link LeakTracker}.
 */
public final class LeakCheckExtension implements AfterAllCallback {

  private static final List<String> LEAKS = new ArrayList<>();

  static {
    ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(
        new ResourceLeakDetectorFactory() {
          @Override
          @SuppressWarnings("deprecation") // the abstract method Netty still requires
          public <T> ResourceLeakDetector<T> newResourceLeakDetector(
              Class<T> resource, int samplingInterval, long maxActive) {
            return newResourceLeakDetector(resource, samplingInterval);
          }

          @Override
          public <T> ResourceLeakDetector<T> newResourceLeakDetector(
              Class<T> resource, int samplingInterval) {
            return new ResourceLeakDetector<>(resource, samplingInterval) {
              @Override
              protected void reportTracedLeak(String resourceType, String records) {
                record(resourceType + " leaked:" + records);
                super.reportTracedLeak(resourceType, records);
              }

              @Override
              protected void reportUntracedLeak(String resourceType) {
                record(resourceType + " leaked (no records)");
                super.reportUntracedLeak(resourceType);
              }
            };
          }
        });
  }

  /**
   * Installs the leak detector factory (this class's initializer) if no test did yet. Test
   * classes of other engines (jqwik) call it before they allocate: Netty creates its leak detector
   * with the first buffer, and a detector made before the factory is installed reports nothing.
   */
  public static void install() {
    // the static initializer did the work
  }

  private static void record(String leak) {
    synchronized (LEAKS) {
      LEAKS.add(leak);
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50); // lets the reference queue fill; no signal exists for that
      for (int j = 0; j < 64; j++) {
        ByteBuf probe = ByteBufAllocator.DEFAULT.buffer(16);
        probe.release();
      }
    }
    List<String> found;
    synchronized (LEAKS) {
      found = new ArrayList<>(LEAKS);
      LEAKS.clear();
    }
    if (!found.isEmpty()) {
      throw new AssertionError(
          found.size() + " leaked buffer(s) in " + context.getDisplayName() + ":\n"
              + String.join("\n\n", found));
    }
  }
}
