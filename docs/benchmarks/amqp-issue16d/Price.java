import com.rabbitmq.client.*;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.*;
public class Price {
  static long beam(int pid) throws Exception { String s = Files.readString(Path.of("/proc/"+pid+"/stat")); String[] f = s.substring(s.lastIndexOf(')')+2).split(" "); return Long.parseLong(f[11])+Long.parseLong(f[12]); }
  public static void main(String[] a) throws Exception {
    int pid = Integer.parseInt(a[0]); int n = Integer.parseInt(a[1]);
    ConnectionFactory f = new ConnectionFactory(); f.setUri("amqp://guest:guest@127.0.0.1:5672");
    Connection pc = f.newConnection("price-pub"), cc = f.newConnection("price-con");
    Channel p = pc.createChannel(), c = cc.createChannel();
    String q = "price." + UUID.randomUUID();
    c.queueDeclare(q, true, false, false, Map.of("x-max-length", 100000, "x-overflow", "reject-publish", "x-expires", 600000L));
    p.confirmSelect(); c.basicQos(256);
    for (int size : new int[] {164, 64, 164, 64, 164, 64, 164, 64}) {
      byte[] body = new byte[size];
      Semaphore win = new Semaphore(1000); CountDownLatch got = new CountDownLatch(n);
      ConfirmCallback ok = (seq, mult) -> {}; 
      ConcurrentSkipListSet<Long> unc = new ConcurrentSkipListSet<>();
      ConfirmListener cl = p.addConfirmListener((seq, m) -> { int k; if (m) { var h = unc.headSet(seq, true); k = h.size(); h.clear(); } else { k = unc.remove(seq) ? 1 : 0; } win.release(k); }, (seq, m) -> {});
      String tag = c.basicConsume(q, false, new DefaultConsumer(c) { long cnt; public void handleDelivery(String t, Envelope e, AMQP.BasicProperties pr, byte[] b) throws java.io.IOException { if (++cnt % 32 == 0) c.basicAck(e.getDeliveryTag(), true); got.countDown(); } });
      AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().deliveryMode(2).build();
      long b0 = beam(pid), t0 = System.nanoTime();
      for (int i = 0; i < n; i++) { win.acquire(); unc.add(p.getNextPublishSeqNo()); p.basicPublish("", q, false, props, body); }
      got.await(); long t1 = System.nanoTime(), b1 = beam(pid);
      c.basicCancel(tag); p.removeConfirmListener(cl);
      System.out.printf("size %d: %.1f k msg/s, broker %.1f us CPU per message%n", size, n / ((t1 - t0) / 1e6), (b1 - b0) * 10_000.0 / n);
    }
    c.queueDelete(q); pc.close(); cc.close();
  }
}
