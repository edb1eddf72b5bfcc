package io.communica.amqp;
import io.netty.util.collection.LongObjectHashMap;
public class MB {
  static final int W = 16384;
  static final class Old { LongObjectHashMap<Boolean> f=new LongObjectHashMap<>(W*2); long[] o=new long[W]; int n,c;
    boolean contains(long k){return f.containsKey(k);} 
    void add(long id){ if(f.put(id,Boolean.TRUE)==null){ if(c==W) f.remove(o[n]); else c++; o[n]=id; n=(n+1)&(W-1);} } }
  public static void main(String[] a) {
    long base = 123456789L; int N = 20_000_000;
    for (int round=0; round<12; round++) {
      Old o = new Old(); long t0=System.nanoTime(); int hits=0;
      for (int i=0;i<N;i++){ long k=Inbox.key(base+i); if(o.contains(k)) hits++; o.add(k);} 
      long t1=System.nanoTime();
      RecentIds r = new RecentIds(W); long t2=System.nanoTime();
      for (int i=0;i<N;i++){ long k=Inbox.key(base+i); if(r.contains(k)) hits++; r.add(k);} 
      long t3=System.nanoTime();
      System.out.printf("old %.1f ns/msg  new %.1f ns/msg (%d)%n",(t1-t0)/(double)N,(t3-t2)/(double)N,hits);
    }
  }
}
