package dev.rnn4j.nn;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.Device;
import dev.rnn4j.backend.HostStorage;
import dev.rnn4j.backend.Storage;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.util.Arrays;

/**
 * One trainable tensor of a module, with its gradient: what {@code module.named_parameters()}
 * yields in PyTorch. The data and the gradient live on the module's backend (on CUDA, an RNN's
 * parameters are views into cuDNN's weight space), and optimizers update them in place, so a
 * training step copies nothing.
 *
 * <p>A parameter is the module's: it stays valid while the module is open and follows it to another
 * device or dtype ({@code module.to(...)}). Its {@link #data()} and {@link #grad()} are views: read
 * them, copy them ({@code .to(Device.CPU)}), but do not close them.
 */
public final class Parameter {
  private final String name;
  private final Slot slot;

  /**
   * The storages behind a parameter, shared by every name it goes by (its own, a parent module's).
   */
  static final class Slot {
    final int[] shape;
    Backend backend;
    Storage data;
    Storage grad;
    // Whether a backward pass has written the gradient since the last zeroGrad (PyTorch: grad is
    // not None).
    boolean hasGrad;
    // Set when the module that owns the storages closes them.
    boolean closed;

    Slot(int[] shape, Backend backend, Storage data, Storage grad) {
      this.shape = shape.clone();
      this.backend = backend;
      this.data = data;
      this.grad = grad;
    }

    /**
     * {@code s}'s values (on {@code from}) as a host copy in {@code dtype}: a move between devices
     * or dtypes.
     */
    static HostStorage hostCopy(Backend from, Storage s, DType dtype) {
      HostStorage host = HostStorage.zeros(s.dtype(), (int) s.numel());
      from.download(s, host);
      if (host.dtype() == dtype) {
        return host;
      }
      HostStorage out = HostStorage.zeros(dtype, (int) s.numel());
      for (int i = 0; i < s.numel(); i++) {
        if (dtype == DType.FLOAT32) {
          out.floats()[i] = (float) host.get(i);
        } else {
          out.doubles()[i] = host.get(i);
        }
      }
      return out;
    }

    void zeroGrad() {
      if (hasGrad) {
        backend.fillInPlace(grad, 0);
        hasGrad = false;
      }
    }
  }

  Parameter(String name, Slot slot) {
    this.name = name;
    this.slot = slot;
  }

  /**
   * A parameter of its own, outside any module ({@code nn.Parameter(data)}): a copy of {@code data}
   * on its device, with a zero gradient storage beside it; for optimizing tensors that are not a
   * module's. Its memory is released when it is garbage collected.
   *
   * @param name its name, for messages and state dicts
   * @param data its initial values, copied
   * @return the new parameter
   */
  public static Parameter of(String name, Tensor data) {
    Backend backend = Backends.forDevice(data.device());
    HostStorage host = (HostStorage) data.to(Device.CPU).storage();
    if (data.device().type() == Device.Type.CPU) {
      // Heap arrays the garbage collector owns, as the parameter has no owner to close them.
      HostStorage values = HostStorage.zeros(data.dtype(), data.numel());
      backend.upload(host, values);
      return new Parameter(
          name,
          new Slot(data.shape(), backend, values, HostStorage.zeros(data.dtype(), data.numel())));
    }
    Storage values = backend.upload(host);
    Storage grad = backend.allocate(data.dtype(), data.numel());
    return new Parameter(name, new Slot(data.shape(), backend, values, grad));
  }

  /** The same parameter under a parent module's name ({@code rnn.} + name). */
  Parameter prefixed(String prefix) {
    return new Parameter(prefix + name, slot);
  }

  Slot slot() {
    return slot;
  }

  /**
   * PyTorch's name for it in the module it was asked of: {@code weight_ih_l0}, {@code
   * rnn.weight_ih_l0}.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * The shape, as a new array.
   *
   * @return the sizes
   */
  public int[] shape() {
    return slot.shape.clone();
  }

  /**
   * The number of elements.
   *
   * @return the product of the sizes
   */
  public int numel() {
    return Shape.numel(slot.shape);
  }

  /**
   * The dtype of the values and the gradient.
   *
   * @return float32 or float64
   */
  public DType dtype() {
    return slot.data.dtype();
  }

  /**
   * Where the values and the gradient live: the module's device.
   *
   * @return the CPU or a CUDA device
   */
  public Device device() {
    return slot.data.device();
  }

  /**
   * The backend the parameter lives on, which runs every operation on it.
   *
   * @return the backend
   */
  public Backend backend() {
    return slot.backend;
  }

  /**
   * The values, as a view on the parameter's device: {@code p.data}.
   *
   * @return a view, valid while the module is open
   */
  public Tensor data() {
    checkOpen();
    return Tensor.viewOf(slot.data, slot.shape);
  }

  /**
   * The accumulated gradient as a view, or null when no backward pass wrote one since the last
   * zero.
   *
   * @return a view, or null
   */
  public Tensor grad() {
    checkOpen();
    return slot.hasGrad ? Tensor.viewOf(slot.grad, slot.shape) : null;
  }

  /**
   * The values' storage, for optimizers (updated in place).
   *
   * @return the storage, borrowed
   */
  public Storage dataStorage() {
    checkOpen();
    return slot.data;
  }

  /**
   * The gradient's storage, for optimizers and clipping; meaningful when {@link #grad()} is not
   * null.
   *
   * @return the storage, borrowed
   */
  public Storage gradStorage() {
    checkOpen();
    return slot.grad;
  }

  /**
   * Whether a gradient has been accumulated since the last zero: {@code p.grad is not None}.
   *
   * @return true if a gradient was accumulated
   */
  public boolean hasGrad() {
    return slot.hasGrad;
  }

  /**
   * Adds {@code gradient} (the parameter's shape and dtype, on any device) to the accumulated
   * gradient, as a backward pass would: for gradients computed elsewhere (a cluster's).
   *
   * @param gradient the gradient added
   */
  public void accumulateGrad(Tensor gradient) {
    checkOpen();
    if (!Arrays.equals(gradient.shape(), slot.shape) || gradient.dtype() != dtype()) {
      throw new IllegalArgumentException(
          String.format(
              "grad of \"%s\" has shape %s and dtype %s, expected %s and %s (the parameter's)",
              name,
              Shape.list(gradient.shape()),
              gradient.dtype(),
              Shape.list(slot.shape),
              dtype()));
    }
    HostStorage host = (HostStorage) gradient.to(Device.CPU).storage();
    if (!slot.hasGrad) {
      slot.backend.upload(host, slot.grad);
    } else {
      try (Storage g = slot.backend.upload(host)) {
        slot.backend.addInPlace(slot.grad, g);
      }
    }
    slot.hasGrad = true;
  }

  /**
   * Forgets the gradient, as {@code p.grad = None} (the storage is zeroed for the next
   * accumulation).
   */
  public void zeroGrad() {
    checkOpen();
    slot.zeroGrad();
  }

  private void checkOpen() {
    if (slot.closed) {
      throw new IllegalStateException(
          "parameter \"" + name + "\" belongs to a module that was closed");
    }
  }

  @Override
  public String toString() {
    return "Parameter("
        + name
        + ", size="
        + Shape.list(slot.shape)
        + ", dtype="
        + dtype()
        + ", device="
        + device()
        + ")";
  }
}
