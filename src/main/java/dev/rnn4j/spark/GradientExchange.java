package dev.rnn4j.spark;

import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Function;
import org.apache.spark.BarrierTaskContext;

/**
 * The barrier tasks' per-step exchange, over sockets between the tasks: each task sends its bytes
 * to task 0, task 0 combines them in partition order and sends the result back to every task.
 * Spark's own {@code BarrierTaskContext.allGather} polls for its answer once a second (Spark
 * 4.0.1), which made a step cost about 0.9 s on {@code local[2]}; it serves here once per stage
 * attempt, to share task 0's address.
 *
 * <p>Reads wait in slices of {@value #POLL_MS} ms and give up when Spark kills the task (the
 * barrier stage failed elsewhere); a peer that dies closes its socket, which fails this task too,
 * so the stage is rerun as a whole.
 */
final class GradientExchange implements Closeable {
  private static final int POLL_MS = 200;
  private final BarrierTaskContext ctx;
  private final int partition;
  private final ServerSocket server;
  private final Socket[] peers;

  private GradientExchange(
      BarrierTaskContext ctx, int partition, ServerSocket server, Socket[] peers) {
    this.ctx = ctx;
    this.partition = partition;
    this.server = server;
    this.peers = peers;
  }

  /**
   * Connects every task to task 0; every task of the stage calls this at once, with the same {@code
   * agreed} (what the tasks must agree on before they exchange: their starting epoch).
   *
   * @throws IllegalStateException if the tasks' {@code agreed} differ
   */
  static GradientExchange open(BarrierTaskContext ctx, String agreed) throws IOException {
    int partition = ctx.partitionId();
    int tasks = ctx.getTaskInfos().length;
    ServerSocket server = null;
    String address = "";
    if (partition == 0) {
      server = new ServerSocket();
      server.bind(new InetSocketAddress(0));
      server.setSoTimeout(POLL_MS);
      address = host(ctx.getTaskInfos()[0].address()) + ":" + server.getLocalPort();
    }
    // One allGather (each costs up to a second): the tasks' agreement and task 0's address
    // together.
    String[] gathered = ctx.allGather(agreed + " " + address);
    for (String g : gathered) {
      if (!g.substring(0, g.indexOf(' ')).equals(agreed)) {
        if (server != null) {
          server.close();
        }
        throw new IllegalStateException(
            String.format(
                "the barrier tasks must start from the same point. "
                    + "Expected %s in every task, got %s",
                agreed, Arrays.toString(gathered)));
      }
    }
    String root = gathered[0].substring(gathered[0].indexOf(' ') + 1);
    Socket[] peers = new Socket[tasks];
    GradientExchange exchange = new GradientExchange(ctx, partition, server, peers);
    try {
      if (partition == 0) {
        for (int connected = 1; connected < tasks; connected++) {
          Socket s = exchange.accept();
          int from = new DataInputStream(s.getInputStream()).readInt();
          if (from < 1 || from >= tasks || peers[from] != null) {
            throw new IllegalStateException(
                String.format(
                    "a barrier task must connect once. Expected a "
                        + "partition in [1, %d) not yet connected, got %d",
                    tasks, from));
          }
          peers[from] = s;
        }
      } else {
        int colon = root.lastIndexOf(':');
        Socket s =
            new Socket(root.substring(0, colon), Integer.parseInt(root.substring(colon + 1)));
        s.setSoTimeout(POLL_MS);
        s.setTcpNoDelay(true);
        new DataOutputStream(s.getOutputStream()).writeInt(partition);
        peers[0] = s;
      }
    } catch (IOException | RuntimeException e) {
      exchange.close();
      throw e;
    }
    return exchange;
  }

  /** The host of a {@code host:port} address. */
  private static String host(String address) {
    int colon = address.lastIndexOf(':');
    return colon < 0 ? address : address.substring(0, colon);
  }

  private Socket accept() throws IOException {
    while (true) {
      alive();
      try {
        Socket s = server.accept();
        s.setSoTimeout(POLL_MS);
        s.setTcpNoDelay(true);
        return s;
      } catch (SocketTimeoutException e) {
        // Waits on, unless Spark killed the task meanwhile.
      }
    }
  }

  /**
   * Every task's {@code mine}, combined by task 0 with {@code combine} (the tasks' bytes in
   * partition order), and the result as every task receives it: the same bytes in every task.
   */
  byte[] reduce(byte[] mine, Function<byte[][], byte[]> combine) throws IOException {
    if (partition != 0) {
      send(peers[0], mine);
      return receive(peers[0]);
    }
    byte[][] all = new byte[peers.length][];
    all[0] = mine;
    for (int p = 1; p < peers.length; p++) {
      all[p] = receive(peers[p]);
    }
    byte[] result = combine.apply(all);
    for (int p = 1; p < peers.length; p++) {
      send(peers[p], result);
    }
    return result;
  }

  private static void send(Socket s, byte[] bytes) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(ByteBuffer.allocate(4).putInt(bytes.length).array());
    out.write(bytes);
    out.flush();
  }

  private byte[] receive(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    byte[] length = new byte[4];
    readFully(in, length);
    byte[] bytes = new byte[ByteBuffer.wrap(length).getInt()];
    readFully(in, bytes);
    return bytes;
  }

  private void readFully(InputStream in, byte[] buf) throws IOException {
    int at = 0;
    while (at < buf.length) {
      try {
        int n = in.read(buf, at, buf.length - at);
        if (n < 0) {
          throw new EOFException("a barrier task's peer closed its connection: that task failed");
        }
        at += n;
      } catch (SocketTimeoutException e) {
        alive();
      }
    }
  }

  private void alive() {
    if (ctx.isInterrupted() || Thread.currentThread().isInterrupted()) {
      throw new IllegalStateException("the barrier task was killed while it waited for its peers");
    }
  }

  @Override
  public void close() throws IOException {
    for (Socket s : peers) {
      if (s != null) {
        s.close();
      }
    }
    if (server != null) {
      server.close();
    }
  }
}
