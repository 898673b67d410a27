package dev.rnn4j.backend.cuda;

/**
 * The device buffers of one forward pass through {@link CudnnRnn} and, after a training forward, of its
 * backward pass: sequence-major {@code x}, {@code y} and their gradients, the states and theirs, the device
 * copy of the lengths, the workspace and the reserve space (which backward must receive unchanged). The
 * pass owns every buffer and frees them all in {@link #close()}.
 */
final class RnnPass implements AutoCloseable {
  final int steps;
  final int batch;
  /** The host lengths, or null when every sequence has {@link #steps} steps. */
  final int[] lengths;
  final boolean training;
  int algo;
  long reserveBytes;
  DeviceBuffer devLengths;
  DeviceBuffer workspace;
  DeviceBuffer reserve;
  DeviceBuffer x;
  DeviceBuffer hx;
  DeviceBuffer cx;
  DeviceBuffer y;
  DeviceBuffer hy;
  DeviceBuffer cy;
  DeviceBuffer dy;
  DeviceBuffer dhy;
  DeviceBuffer dcy;
  DeviceBuffer dx;
  DeviceBuffer dhx;
  DeviceBuffer dcx;

  RnnPass(int steps, int batch, int[] lengths, boolean training) {
    this.steps = steps;
    this.batch = batch;
    this.lengths = lengths;
    this.training = training;
  }

  @Override
  public void close() {
    for (DeviceBuffer b : new DeviceBuffer[] {
        devLengths, workspace, reserve, x, hx, cx, y, hy, cy, dy, dhy, dcy, dx, dhx, dcx}) {
      if (b != null) {
        b.close();
      }
    }
    devLengths = workspace = reserve = x = hx = cx = y = hy = cy = dy = dhy = dcy = dx = dhx = dcx = null;
  }
}
