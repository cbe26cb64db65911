package io.modelstash.format.pickle;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code torch.device}, kept as its canonical string: a device type, optionally followed by {@code
 * :index} ({@code "cpu"}, {@code "cuda:1"}). Only the device types PyTorch knows are accepted.
 */
public record TorchDevice(String spec) {
  private static final Pattern SPEC = Pattern.compile("([a-z_]+)(?::(0|[1-9][0-9]{0,8}))?");

  /** Device types {@code torch.device} accepts without a registered backend. */
  static final Set<String> TYPES =
      Set.of(
          "cpu",
          "cuda",
          "ipu",
          "xpu",
          "mkldnn",
          "opengl",
          "opencl",
          "ideep",
          "hip",
          "ve",
          "fpga",
          "maia",
          "xla",
          "lazy",
          "vulkan",
          "mps",
          "meta",
          "hpu",
          "mtia",
          "privateuseone");

  public TorchDevice {
    Matcher m = SPEC.matcher(spec);
    if (!m.matches() || !TYPES.contains(m.group(1))) {
      throw new IllegalArgumentException("not a torch device: '" + spec + "'");
    }
  }

  public static TorchDevice of(String type, long index) {
    if (index < 0) {
      throw new IllegalArgumentException("device index must not be negative: " + index);
    }
    return new TorchDevice(type + ":" + index);
  }

  /** The device type, e.g. {@code cuda}. */
  public String type() {
    int colon = spec.indexOf(':');
    return colon < 0 ? spec : spec.substring(0, colon);
  }

  /** The device index, or -1 when the spec has none. */
  public long index() {
    int colon = spec.indexOf(':');
    return colon < 0 ? -1 : Long.parseLong(spec.substring(colon + 1));
  }

  @Override
  public String toString() {
    return "device(type='" + type() + "'" + (index() < 0 ? "" : ", index=" + index()) + ")";
  }
}
